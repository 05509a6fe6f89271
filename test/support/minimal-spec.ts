import { parseSweepSpec, type SweepSpec } from '@lawsweep/contracts';

/**
 * The smallest valid sweep spec, parsed as the planner parses one, for tests of the store and the
 * planner's services: two variables, one target, a simulate trainer, budget 1e6 unless `extra`
 * says otherwise (any spec field overrides).
 */
export function minimalSpec(name: string, extra: Record<string, unknown> = {}): SweepSpec {
  const parsed = parseSweepSpec({
    name,
    variables: { N: { min: 1e7, max: 1e9 }, D: { min: 1e8, max: 1e11 } },
    budget: 1e6,
    targets: [{ N: 7e10, D: 1.4e12 }],
    trainer: { type: 'simulate' },
    ...extra,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}
