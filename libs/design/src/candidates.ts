import type { SweepSpec, VariableSpec } from '@lawsweep/contracts';
import type { Config } from '@lawsweep/law';
import { compileConstraint, compileExpression, type CompiledConstraint, type CompiledExpression } from './expression';

/** The most grid points a spec may expand to before constraints (keeps the planner's memory bounded). */
export const MAX_GRID_POINTS = 200_000;

export interface Candidate {
  config: Config;
  cost: number;
  /** Stable key of the config (used to skip configs already run or pending). */
  key: string;
}

export function configKey(config: Config, variables: readonly string[]): string {
  return variables.map((v) => `${v}=${Number(config[v]).toPrecision(10)}`).join(',');
}

/**
 * The values of one variable's axis: `steps` points, log- or linearly spaced, ends exactly min and
 * max, each rounded to 12 significant digits: exp(log(...)) leaves float noise (5e4 came out as
 * 50000.00000000001) that users then saw in exports, trainer arguments and the dashboard.
 */
export function axisValues(spec: VariableSpec): number[] {
  const { min, max, steps, scale } = spec;
  if (steps <= 1 || max === min) return [min];
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t = i / (steps - 1);
    const v = scale === 'log' ? Math.exp(Math.log(min) + t * (Math.log(max) - Math.log(min))) : min + t * (max - min);
    out.push(i === 0 ? min : i === steps - 1 ? max : Number(v.toPrecision(12)));
  }
  return out;
}

export function gridSize(spec: Pick<SweepSpec, 'variables'>): number {
  return Object.values(spec.variables).reduce((n, v) => n * (v.steps <= 1 || v.max === v.min ? 1 : v.steps), 1);
}

/** The cartesian product of the variables' axes (before constraints). */
export function gridConfigs(spec: Pick<SweepSpec, 'variables'>): Config[] {
  const names = Object.keys(spec.variables);
  if (gridSize(spec) > MAX_GRID_POINTS) throw new Error(`the grid has ${gridSize(spec)} points, more than ${MAX_GRID_POINTS}: lower some variables' steps`);
  let configs: Config[] = [{}];
  for (const name of names) {
    const values = axisValues(spec.variables[name]);
    configs = configs.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  }
  return configs;
}

/** Cost and constraints of a spec, compiled once. */
export class SpecExpressions {
  readonly variables: string[];
  readonly cost: CompiledExpression;
  readonly constraints: CompiledConstraint[];

  constructor(spec: Pick<SweepSpec, 'variables' | 'cost' | 'constraints'>) {
    this.variables = Object.keys(spec.variables);
    this.cost = compileExpression(spec.cost, this.variables);
    this.constraints = spec.constraints.map((c) => compileConstraint(c, this.variables));
  }

  costOf(config: Config): number {
    return this.cost.evaluate(config);
  }

  satisfies(config: Config): boolean {
    return this.constraints.every((c) => c.holds(config));
  }
}

/**
 * The candidate runs of a spec: the explicit pool when given (a replay may only pick its configs),
 * else the grid; either way filtered by the constraints and by a finite positive cost.
 */
export function buildCandidates(spec: SweepSpec, expressions: SpecExpressions, pool?: Config[]): Candidate[] {
  const source = pool ?? (Array.isArray(spec.candidates) ? spec.candidates : gridConfigs(spec));
  const out: Candidate[] = [];
  const seen = new Set<string>();
  for (const raw of source) {
    const config: Config = {};
    for (const v of expressions.variables) config[v] = Number(raw[v]);
    if (expressions.variables.some((v) => !(config[v] > 0 && Number.isFinite(config[v])))) continue;
    if (!expressions.satisfies(config)) continue;
    const cost = expressions.costOf(config);
    if (!(cost > 0 && Number.isFinite(cost))) continue;
    const key = configKey(config, expressions.variables);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ config, cost, key });
  }
  return out;
}
