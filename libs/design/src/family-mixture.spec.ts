import { fitLaw, getLaw, SeededRandom, type Observation } from '@lawsweep/law';
import { FamilyMixture, rivalWeight } from './family-mixture';
import { GainModel, lossTarget } from './information-gain';
import type { Posterior } from './posterior';
import { RunningExponentLaw } from './running-exponent.law';
import { createSweepEngine } from './sweep-engine';
import { testSpec } from './testing/spec-fixtures';

/**
 * Model averaging (eig.modelAveraging): the rival family, its evidence weight, the gain over two
 * families, and the hedged prediction. Scenarios use fixed seeds.
 */
const chinchilla = getLaw('chinchilla');
const rival = new RunningExponentLaw();
// Chinchilla's published fit in θ = [ln E, ln A, ln B, α, β].
const THETA = [Math.log(1.69), Math.log(406.4), Math.log(410.7), 0.34, 0.28];
const target = { N: 7e10, D: 1.4e12 };

function sample(gamma: number, seed: number): Observation[] {
  const rng = new SeededRandom(seed);
  const theta = [...THETA, gamma];
  const out: Observation[] = [];
  for (const N of [1e7, 3e7, 1e8, 3e8, 1e9, 3e9]) {
    for (const ratio of [3, 10, 30, 100, 300]) {
      const config = { N, D: N * ratio };
      out.push({ config, loss: Math.exp(rival.logLoss(theta, config) + 0.005 * rng.normal()) });
    }
  }
  return out;
}

describe('running-exponent rival law', () => {
  it('is chinchilla at γ = 0 and has the analytic gradient', () => {
    const config = { N: 3e8, D: 6e9 };
    expect(rival.logLoss([...THETA, 0], config)).toBeCloseTo(chinchilla.logLoss(THETA, config), 12);
    const theta = [...THETA, 0.01];
    const grad = new Float64Array(6);
    rival.logLossGrad(theta, config, grad);
    theta.forEach((_, i) => {
      const up = [...theta];
      const down = [...theta];
      up[i] += 1e-6;
      down[i] -= 1e-6;
      expect(grad[i]).toBeCloseTo((rival.logLoss(up, config) - rival.logLoss(down, config)) / 2e-6, 5);
    });
  });
});

describe('evidence weight of the rival family (Laplace)', () => {
  const weightOn = (observations: Observation[]) => {
    const base = fitLaw(chinchilla, observations, { starts: 'default' });
    const fitted = fitLaw(rival, observations, { starts: [[...Array.from(base.theta), 0], ...rival.defaultStarts()] });
    return rivalWeight(base, fitted, observations.length, chinchilla, rival);
  };

  it('is small when the data are chinchilla (γ = 0) and large when the data exponent runs (γ = −0.02)', () => {
    expect(weightOn(sample(0, 11))).toBeLessThan(0.2);
    expect(weightOn(sample(-0.02, 11))).toBeGreaterThan(0.8);
  });
});

describe('the gain over two families', () => {
  const dim = 5;
  const cov = new Float64Array(dim * dim);
  [0.01, 0.5, 0.5, 0.002, 0.002].forEach((v, i) => (cov[i * dim + i] = v));
  const candidates = [{ N: 1e7, D: 1e9 }, { N: 1e9, D: 2e10 }, { N: 3e9, D: 3e11 }, { N: 1e8, D: 2e10 }];
  const targets = [lossTarget(chinchilla, target)];
  const base: Posterior = { dim, sigma: 0.005, modes: [{ theta: Float64Array.from(THETA), covariance: cov, weight: 1 }] };
  const withRival = (weight: number): Posterior => {
    const rcov = new Float64Array(36);
    [0.01, 0.5, 0.5, 0.002, 0.002, 0.01].forEach((v, i) => (rcov[i * 6 + i] = v));
    return {
      dim,
      sigma: 0.005,
      modes: [
        { theta: Float64Array.from(THETA), covariance: cov, weight: 1 - weight },
        { theta: Float64Array.from([...THETA, 0]), covariance: rcov, weight, family: { law: rival, targets: [lossTarget(rival, target)] } },
      ],
    };
  };

  it('lets a rival of 0.1% weight (however wide its extrapolation) change the gains by at most ~1%', () => {
    const plain = new GainModel(chinchilla, base, candidates, targets).gains();
    const mixed = new GainModel(chinchilla, withRival(1e-3), candidates, targets).gains();
    plain.forEach((g, i) => expect(Math.abs(mixed[i] - g)).toBeLessThan(0.01 * g + 1e-9));
  });

  it('values runs that pin the rival’s exponent when the rival carries weight', () => {
    const plain = new GainModel(chinchilla, base, candidates, targets).gains();
    const mixed = new GainModel(chinchilla, withRival(0.5), candidates, targets).gains();
    // γ acts on ln D through ln(N/1e9): a run at N = 1e9 says nothing about it, one at N = 1e7 much.
    const lift = Array.from(mixed, (g, i) => g / plain[i]);
    expect(lift[0]).toBeGreaterThan(1.2);
    expect(lift[1]).toBeLessThan(1);
    expect(lift[0]).toBeGreaterThan(lift[3]);
    expect(lift[3]).toBeGreaterThan(lift[1]);
  });
});

describe('hedged prediction', () => {
  it('widens the interval and moves the prediction towards the rival when the families disagree', () => {
    const observations = sample(-0.02, 12);
    const baseFit = fitLaw(chinchilla, observations, { starts: 'default' });
    const mixture = new FamilyMixture(chinchilla, rival, [lossTarget(rival, target)], { kind: 'huber', delta: 1e-3 });
    mixture.refit(observations, baseFit);
    expect(mixture.rivalShare).toBeGreaterThan(0.5);
    const own = [{ config: target, loss: Math.exp(chinchilla.logLoss(baseFit.theta, target)), lower: 0, upper: 0, logSd: 0.001 }];
    const [hedged] = mixture.predict(own, baseFit);
    const truth = Math.exp(rival.logLoss([...THETA, -0.02], target));
    expect(Math.abs(hedged.loss - truth)).toBeLessThan(Math.abs(own[0].loss - truth));
    expect(Math.log(hedged.upper / hedged.lower)).toBeGreaterThan(2 * 1.64 * 0.001);
    // A prediction for another fit is left alone (the rival was fitted for baseFit only).
    expect(mixture.predict(own, { ...baseFit })).toBe(own);
  });
});

describe('model averaging in the sweep engine', () => {
  it('hedges eig’s reported prediction only with design-and-prediction (or averagePrediction), and for any design that asks', () => {
    const spec = testSpec({ targets: [target] });
    const observations = sample(-0.02, 13);
    const predict = (options: Parameters<typeof createSweepEngine>[1]) => {
      const engine = createSweepEngine(spec, options);
      return engine.predictTargets(engine.fit(observations))[0];
    };
    const plain = predict({ design: 'eig' });
    const designOnly = predict({ design: 'eig', eig: { modelAveraging: 'design' } });
    const hedged = predict({ design: 'eig', eig: { modelAveraging: 'design-and-prediction' } });
    const gridHedged = predict({ design: 'grid', averagePrediction: true });
    const truth = Math.exp(rival.logLoss([...THETA, -0.02], target));
    expect(designOnly).toEqual(plain);
    expect(Math.abs(hedged.loss - truth)).toBeLessThan(Math.abs(plain.loss - truth));
    expect(gridHedged.loss).toBeCloseTo(hedged.loss, 10);
  });
});
