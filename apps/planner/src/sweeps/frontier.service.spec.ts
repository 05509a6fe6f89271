import { parseSweepSpec } from '@lawsweep/contracts';
import { createSweepEngine } from '@lawsweep/design';
import type { SweepRecord } from '@lawsweep/store';
import type { EngineCacheService } from '../planning/engine-cache.service';
import { FrontierService } from './frontier.service';

/** Scenario: the /fit frontier of a sweep whose two variables are named P and T, with an expression law over them. */
const bounds = { E: [0.5, 5], A: [1, 1e5], B: [1, 1e6], alpha: [0.05, 1], beta: [0.05, 1] };
const params = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };

function sweep(): SweepRecord {
  const parsed = parseSweepSpec({
    name: 'pt',
    law: { expression: 'E + A / P^alpha + B / T^beta', params: bounds },
    variables: { P: { min: 1e7, max: 1e9, steps: 3 }, T: { min: 1e8, max: 1e11, steps: 3 } },
    cost: '6 * P * T',
    budget: 1e20,
    targets: [{ P: 7e10, T: 1.4e12 }],
    trainer: { type: 'simulate' },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return { id: 's1', spec: parsed.spec, fit: { params } } as unknown as SweepRecord;
}

describe('FrontierService over variables P and T', () => {
  it('finds, per compute level, the P and T of least loss on the iso-cost curve under the expression law', () => {
    const record = sweep();
    const engine = createSweepEngine(record.spec);
    const service = new FrontierService({ engine: () => engine } as unknown as EngineCacheService);
    const frontier = service.frontier(record);
    expect(frontier).toHaveLength(8);
    const lossAt = (c: Record<string, number>) => params.E + params.A / c.P ** params.alpha + params.B / c.T ** params.beta;
    for (const point of frontier ?? []) {
      expect(Object.keys(point.config)).toEqual(['P', 'T']);
      expect(6 * point.config.P * point.config.T).toBeCloseTo(point.compute, -Math.floor(Math.log10(point.compute)) + 6);
      expect(point.loss).toBeCloseTo(lossAt(point.config), 10);
      // The least loss on the iso-cost curve: neither a 10% larger nor smaller P (same compute) does better.
      for (const f of [1.1, 1 / 1.1]) expect(lossAt({ P: point.config.P * f, T: point.config.T / f })).toBeGreaterThan(point.loss);
    }
  });
});
