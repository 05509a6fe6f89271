import { z } from 'zod';
import { trainerSchema } from './run-job.types';
import { POOL_NAME_PATTERN, POOL_NAME_RULE } from './queues';
import { unknownPlaceholderErrors } from './trainer-placeholders';

/**
 * The sweep spec of ARCHITECTURE.md, checked structurally here (types, ranges, sizes). Checks that
 * need the law library (a known law name, an expression that parses, constraints over known
 * variables) are in `validateSweepSpecSemantics` in libs/design, which the planner and the CLI
 * call after this one. Both report `{ path, message }` errors with dotted paths such as
 * `variables.N.min`.
 */

/** A number, also accepted as a numeric string ("1e21"): YAML users write both. */
const num = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v),
  z.number({ invalid_type_error: 'must be a number' }).finite('must be finite'),
);
const positive = num.pipe(z.number().positive('must be > 0'));

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;

/**
 * A sweep whose runs keep failing (a trainer that crashes on every config) would otherwise buy every
 * candidate; after this many failed runs in a row, none done in between, the planner pauses it
 * (`stop.pauseAfterFailures` overrides; 0 turns it off). Unset in stored specs: this default applies.
 */
export const DEFAULT_PAUSE_AFTER_FAILURES = 5;
/** The code of the warning a sweep paused by the circuit breaker carries (planner sets it; `sweep watch` stops on it). */
export const FAILING_RUNS_WARNING = 'failing-runs';
/** The code of the warning a sweep whose trainer.env holds secret-looking keys carries (deploy-secrets.ts secretLikeEnvKeys). */
export const SECRET_IN_SPEC_WARNING = 'secret-in-spec';
/** The code of the warning of a sweep the planner buys no runs for while Redis is near its maxmemory (planner RedisHeadroom). */
export const REDIS_MEMORY_WARNING = 'redis-memory';
export const MAX_PAUSE_AFTER_FAILURES = 1000;

export const variableSchema = z
  .object({
    min: positive,
    max: positive,
    steps: z.number().int().min(1).max(1000).default(9),
    scale: z.enum(['log', 'linear']).default('log'),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.max < v.min) ctx.addIssue({ code: 'custom', path: ['max'], message: `max (${v.max}) must be >= min (${v.min})` });
  });
export type VariableSpec = z.infer<typeof variableSchema>;

export const expressionLawSchema = z
  .object({
    expression: z.string().min(1).max(2000),
    params: z.record(z.tuple([num, num])).refine((p) => Object.keys(p).length > 0 && Object.keys(p).length <= 32, 'needs 1 to 32 parameters'),
    /** Parameters fitted in log space (positive ones spanning decades); default: those whose bounds are > 0 and span > 100x. */
    logParams: z.array(z.string()).optional(),
  })
  .strict();

export const configSchema = z.record(positive).refine((c) => Object.keys(c).length > 0 && Object.keys(c).length <= 32, 'needs 1 to 32 variables');

export const sweepSpecSchema = z
  .object({
    name: z.string().min(1).max(200),
    law: z.union([z.string().min(1).max(64), expressionLawSchema]).default('chinchilla'),
    variables: z
      .record(variableSchema)
      .superRefine((vars, ctx) => {
        const names = Object.keys(vars);
        if (names.length === 0) ctx.addIssue({ code: 'custom', message: 'needs at least one variable' });
        if (names.length > 16) ctx.addIssue({ code: 'custom', message: 'at most 16 variables' });
        for (const n of names) if (!NAME.test(n)) ctx.addIssue({ code: 'custom', path: [n], message: `variable name '${n}' must be an identifier` });
      }),
    constraints: z.array(z.string().min(1).max(500)).max(50).default([]),
    /** An explicit pool of configs: a CSV path (CLI only) or inline configs. */
    candidates: z.union([z.string().min(1).max(4096), z.array(configSchema).min(1).max(100_000)]).optional(),
    cost: z.string().min(1).max(500).default('6 * N * D'),
    budget: positive,
    targets: z.array(configSchema).min(1).max(100),
    /** Optional: also learn the compute-optimal allocation at these compute levels. */
    targetCompute: z.array(positive).max(10).optional(),
    stop: z
      .object({
        targetRelativeInterval: num.pipe(z.number().positive().max(10)).optional(),
        maxRuns: z.number().int().positive().max(1_000_000).optional(),
        /** Circuit breaker: pause once this many runs in a row failed (0 = never); default DEFAULT_PAUSE_AFTER_FAILURES. */
        pauseAfterFailures: z.number({ invalid_type_error: 'must be a whole number of runs (0 turns the pause off)' }).int('must be a whole number of runs').min(0).max(MAX_PAUSE_AFTER_FAILURES).optional(),
      })
      .strict()
      .default({}),
    fit: z
      .object({
        loss: z
          .string()
          .regex(/^(mse|huber(:([0-9.eE+-]+|auto))?)$/, "must be 'mse', 'huber:DELTA' (e.g. huber:1e-3) or 'huber:auto' (δ from the residuals)")
          .refine((s) => !/^huber:[0-9.eE+-]+$/.test(s) || Number(s.slice(6)) > 0, "the Huber DELTA must be a positive number, e.g. 'huber:1e-3'")
          .default('huber:auto'),
      })
      .strict()
      .default({}),
    design: z.enum(['eig', 'grid', 'isoflop', 'random', 'oracle']).default('eig'),
    parallelism: z.number().int().min(1).max(10_000).default(4),
    seed: z.number().int().default(0),
    trainer: trainerSchema,
    /** Worker pool the runs go to (see libs/contracts queues). */
    pool: z.string().regex(POOL_NAME_PATTERN, POOL_NAME_RULE).optional(),
  })
  .strict();

export type SweepSpecInput = z.input<typeof sweepSpecSchema>;
export type SweepSpec = z.infer<typeof sweepSpecSchema>;

export interface SpecError {
  path: string;
  message: string;
}

export type SpecParseResult = { ok: true; spec: SweepSpec } | { ok: false; errors: SpecError[] };

/**
 * Keys that reach Object.prototype when copied (`obj[key] = v`): JSON.parse keeps `__proto__` as an
 * own key, but zod's record parsing assigns it, so the key silently vanished from the parsed spec
 * (and set the record's prototype). Rejected by name instead, wherever they appear.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function forbiddenKeys(value: unknown, path: string[] = [], out: SpecError[] = [], depth = 0): SpecError[] {
  if (!value || typeof value !== 'object' || depth > 32 || out.length >= 20) return out;
  if (Array.isArray(value)) {
    // Arrays of configs can be long; a hostile key in one is as bad as in the first, so check all.
    value.forEach((v, i) => forbiddenKeys(v, [...path, String(i)], out, depth + 1));
    return out;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) out.push({ path: [...path, key].join('.'), message: `'${key}' is not allowed as a field or variable name` });
    else forbiddenKeys((value as Record<string, unknown>)[key], [...path, key], out, depth + 1);
  }
  return out;
}

/**
 * zod reports a value that fits no branch of a union as one "Invalid input" at the union's path.
 * When the value has the type of one branch (e.g. `law` is an object, so it is meant as an
 * expression law), that branch's own issues name the field; report those.
 */
function flattenIssue(issue: z.ZodIssue): z.ZodIssue[] {
  if (issue.code !== 'invalid_union') return [issue];
  const matching = issue.unionErrors.filter((e) => !e.issues.some((i) => i.code === 'invalid_type' && i.path.length === issue.path.length));
  return matching.length === 1 ? matching[0].issues.flatMap(flattenIssue) : [issue];
}

export function parseSweepSpec(input: unknown): SpecParseResult {
  const hostile = forbiddenKeys(input);
  if (hostile.length) return { ok: false, errors: hostile };
  const result = sweepSpecSchema.safeParse(input);
  if (result.success) {
    // Checked here, not at the worker: a typo in a placeholder would otherwise fail every run of the sweep.
    const placeholders = unknownPlaceholderErrors(result.data.trainer, Object.keys(result.data.variables));
    return placeholders.length ? { ok: false, errors: placeholders } : { ok: true, spec: result.data };
  }
  return {
    ok: false,
    errors: result.error.issues.flatMap(flattenIssue).flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ path: [...issue.path, key].join('.'), message: `unknown field '${key}' (check its spelling against the sweep spec reference)` }))
        : [{ path: issue.path.join('.') || '(spec)', message: issue.message }],
    ),
  };
}
