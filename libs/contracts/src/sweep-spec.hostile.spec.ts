import { parseSweepSpec } from './sweep-spec.schema';

/** Hostile keys and values a union hides: each error names the field. */
const valid = {
  name: 'x',
  variables: { N: { min: 1e7, max: 1e9 }, D: { min: 1e8, max: 1e11 } },
  budget: 1e20,
  targets: [{ N: 7e10, D: 1.4e12 }],
  trainer: { type: 'simulate' },
};
const errorsOf = (input: unknown) => {
  const r = parseSweepSpec(input);
  return r.ok ? [] : r.errors;
};

describe('parseSweepSpec on hostile input', () => {
  it('rejects a __proto__ variable by name instead of dropping it (JSON.parse keeps it as an own key)', () => {
    const spec = JSON.parse(JSON.stringify(valid).replace('"variables":{', '"variables":{"__proto__":{"min":1,"max":2},'));
    expect(Object.keys(spec.variables)).toContain('__proto__');
    expect(errorsOf(spec)).toEqual([{ path: 'variables.__proto__', message: expect.stringMatching(/not allowed/) }]);
  });

  it('rejects constructor / prototype keys anywhere, with their path', () => {
    expect(errorsOf({ ...valid, targets: [{ N: 1, D: 1 }, { N: 1, D: 1, constructor: 1 }] }).map((e) => e.path)).toEqual(['targets.1.constructor']);
    expect(errorsOf({ ...valid, trainer: { type: 'simulate', truth: { law: 'chinchilla', params: { prototype: 1 } } } }).map((e) => e.path)).toEqual(['trainer.truth.params.prototype']);
  });

  it('names the field inside an expression law instead of "law: Invalid input"', () => {
    const errors = errorsOf({ ...valid, law: { expression: 'E + A / N^alpha', params: { E: ['NaN', 5], A: [1, 1e5], alpha: [0.05, 1] } } });
    expect(errors.map((e) => e.path)).toEqual(['law.params.E.0']);
    expect(errorsOf({ ...valid, law: 42 }).map((e) => e.path)).toEqual(['law']);
  });
});
