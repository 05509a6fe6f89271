import { parseSweepSpec } from './sweep-spec.schema';

const valid = {
  name: 'demo',
  variables: { N: { min: 1e7, max: 1e9, steps: 5 }, D: { min: '1e8', max: 1e11 } },
  budget: '1e21',
  targets: [{ N: 7e10, D: 1.4e12 }],
  trainer: { type: 'simulate', truth: 'chinchilla', noise: 0.005 },
};

describe('sweep spec schema', () => {
  it('accepts the ARCHITECTURE.md example with defaults filled in', () => {
    const r = parseSweepSpec(valid);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec.budget).toBe(1e21);
    expect(r.spec.variables.D.min).toBe(1e8);
    expect(r.spec.law).toBe('chinchilla');
    expect(r.spec.parallelism).toBe(4);
  });

  it.each([
    ['inverted range', { variables: { N: { min: 1e9, max: 1e7 } } }, 'variables.N.max'],
    ['negative budget', { budget: -1 }, 'budget'],
    ['NaN min', { variables: { N: { min: 'NaN', max: 1e7 } } }, 'variables.N.min'],
    ['no targets', { targets: [] }, 'targets'],
    ['unknown trainer', { trainer: { type: 'ssh' } }, 'trainer.type'],
    ['unknown field', { budgte: 1 }, 'budgte'],
    ['zero Huber delta', { fit: { loss: 'huber:0' } }, 'fit.loss'],
    ['negative Huber delta', { fit: { loss: 'huber:-1e-3' } }, 'fit.loss'],
    ['unknown loss', { fit: { loss: 'l1' } }, 'fit.loss'],
    ['negative pauseAfterFailures', { stop: { pauseAfterFailures: -1 } }, 'stop.pauseAfterFailures'],
    ['fractional pauseAfterFailures', { stop: { pauseAfterFailures: 2.5 } }, 'stop.pauseAfterFailures'],
  ])('rejects %s naming the field', (_name, patch, path) => {
    const r = parseSweepSpec({ ...valid, ...patch });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.path)).toContain(path);
  });

  it('says what a pool name may be', () => {
    const r = parseSweepSpec({ ...valid, pool: 'my pool!' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toContainEqual({ path: 'pool', message: expect.stringMatching(/lowercase letters, digits, - or _.*e\.g\. "a100"/) });
    expect(parseSweepSpec({ ...valid, pool: 'a100' }).ok).toBe(true);
  });

  it.each(['mse', 'huber', 'huber:1e-3', 'huber:0.02', 'huber:auto'])('accepts fit.loss %s', (loss) => {
    const r = parseSweepSpec({ ...valid, fit: { loss } });
    expect(r.ok).toBe(true);
  });
});

describe('sweep spec schema: variables with any identifier names', () => {
  it('accepts variables P and T with an expression law over them (its symbols are checked by libs/design)', () => {
    const r = parseSweepSpec({
      ...valid,
      law: { expression: 'E + A / P^alpha + B / T^beta', params: { E: [0.5, 5], A: [1, 1e5], B: [1, 1e6], alpha: [0.05, 1], beta: [0.05, 1] } },
      variables: { P: { min: 1e7, max: 1e9 }, T: { min: 1e8, max: 1e11 } },
      cost: '6 * P * T',
      targets: [{ P: 7e10, T: 1.4e12 }],
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(Object.keys(r.spec.variables)).toEqual(['P', 'T']);
    expect(r.spec.law).toEqual({ expression: 'E + A / P^alpha + B / T^beta', params: expect.objectContaining({ E: [0.5, 5] }) });
  });
});
