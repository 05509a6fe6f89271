import type { SpecError, SweepSpec } from '@lawsweep/contracts';
import { builtInLawNames, type Config, type Law } from '@lawsweep/law';
import { specLaw, specTruth } from './law-bridge';
import { buildCandidates, gridSize, MAX_GRID_POINTS, SpecExpressions } from './candidates';
import { compileConstraint, compileExpression } from './expression';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Checks of a structurally valid spec that need the law library and the expressions: the planner
 * answers them as 400s and the CLI prints them, so each names the field and the fix.
 * `pool`: the configs of a `candidates` CSV, when the caller has read it.
 */
export function validateSweepSpecSemantics(spec: SweepSpec, options: { pool?: Config[] } = {}): SpecError[] {
  const errors: SpecError[] = [];
  const variables = Object.keys(spec.variables);
  const lawPath = typeof spec.law === 'string' ? 'law' : 'law.expression';

  let law: Law | undefined;
  try {
    law = specLaw(spec);
  } catch (err) {
    const text = message(err);
    // The law library's message may already list the known laws; add the list only where it does not.
    const listed = builtInLawNames().some((name) => text.includes(name));
    const hint = typeof spec.law === 'string' && !listed ? ` (known laws: ${builtInLawNames().join(', ')}; or an expression law { expression, params })` : '';
    errors.push({ path: lawPath, message: `${text}${hint}` });
  }
  if (law) {
    const missing = law.variables.filter((v) => !variables.includes(v));
    if (missing.length > 0) {
      errors.push({ path: 'variables', message: `law '${law.name}' needs variable(s) ${missing.join(', ')}: declare them under variables (declared: ${variables.join(', ')})` });
    }
  }

  let costOk = true;
  try {
    compileExpression(spec.cost, variables);
  } catch (err) {
    costOk = false;
    errors.push({ path: 'cost', message: `${message(err)}; write the cost of one run over the variables, e.g. "6 * N * D"` });
  }
  let constraintsOk = true;
  spec.constraints.forEach((c, i) => {
    try {
      compileConstraint(c, variables);
    } catch (err) {
      constraintsOk = false;
      errors.push({ path: `constraints.${i}`, message: `${message(err)}; write a comparison over the variables, e.g. "D / N >= 20"` });
    }
  });

  spec.targets.forEach((t, i) => {
    for (const v of variables) if (!(v in t)) errors.push({ path: `targets.${i}.${v}`, message: `target ${i} has no value for variable '${v}': give every variable (${variables.join(', ')})` });
    for (const k of Object.keys(t)) if (!variables.includes(k)) errors.push({ path: `targets.${i}.${k}`, message: `'${k}' is not a variable of this spec (variables: ${variables.join(', ')}); remove it or declare it` });
  });

  if (spec.targetCompute && !(variables.includes('N') && variables.includes('D'))) {
    errors.push({ path: 'targetCompute', message: 'targetCompute (compute-optimal N*(C)) needs variables N (model size) and D (tokens); remove it or declare them' });
  } else if (spec.targetCompute) {
    // N*(C) is found along cost(N, D) = C with the law at (N, D) alone: another variable in either has no value there.
    const others = law ? law.variables.filter((v) => v !== 'N' && v !== 'D') : [];
    let costOverND = true;
    try {
      compileExpression(spec.cost, ['N', 'D']);
    } catch {
      costOverND = false;
    }
    if (others.length > 0 || (costOk && !costOverND)) {
      const what = others.length > 0 ? `law '${law?.name}' also depends on ${others.join(', ')}` : `the cost "${spec.cost}" also depends on other variables`;
      errors.push({ path: 'targetCompute', message: `targetCompute (compute-optimal N*(C)) trades N against D alone, but ${what}; remove targetCompute` });
    }
  }

  if (spec.trainer.type === 'simulate') {
    try {
      const truth = specTruth(spec, spec.trainer.truth);
      const missing = truth.law.variables.filter((v) => !variables.includes(v));
      if (missing.length > 0) errors.push({ path: 'trainer.truth', message: `the truth's law '${truth.law.name}' needs variable(s) ${missing.join(', ')}: declare them or pick another truth` });
    } catch (err) {
      errors.push({ path: 'trainer.truth', message: message(err) });
    }
  }
  if (spec.design === 'oracle' && spec.trainer.type !== 'simulate') {
    errors.push({ path: 'design', message: "design 'oracle' needs the true law, so only a simulate trainer can use it; pick eig, grid, isoflop or random" });
  }

  if (!costOk || !constraintsOk) return errors;
  const pool = options.pool ?? (Array.isArray(spec.candidates) ? spec.candidates : undefined);
  if (!pool && typeof spec.candidates === 'string') return errors; // a CSV the caller has not read: checked when it is
  if (!pool && gridSize(spec) > MAX_GRID_POINTS) {
    errors.push({ path: 'variables', message: `the variables' grid has ${gridSize(spec)} points (more than ${MAX_GRID_POINTS}): lower some steps` });
    return errors;
  }
  if (pool) {
    pool.slice(0, 1000).forEach((c, i) => {
      const missing = variables.filter((v) => !(Number(c[v]) > 0));
      if (missing.length > 0 && errors.length < 20) errors.push({ path: `candidates.${i}`, message: `candidate ${i} lacks a positive value for ${missing.join(', ')}` });
    });
  }
  let candidates;
  try {
    candidates = buildCandidates(spec, new SpecExpressions(spec), pool);
  } catch (err) {
    errors.push({ path: 'cost', message: `evaluating the cost or constraints failed: ${message(err)}` });
    return errors;
  }
  if (candidates.length === 0) {
    errors.push(
      spec.constraints.length > 0
        ? { path: 'constraints', message: 'no candidate run satisfies every constraint (with a finite positive cost): loosen the constraints or widen the variables' }
        : { path: pool ? 'candidates' : 'cost', message: 'no candidate run has a finite positive cost: check the cost expression and the variables' },
    );
    return errors;
  }
  const cheapest = Math.min(...candidates.map((c) => c.cost));
  if (spec.budget < cheapest) {
    errors.push({ path: 'budget', message: `budget ${spec.budget} is below the cheapest candidate run (${cheapest.toPrecision(3)}): raise the budget or lower the variables' minimums` });
  }
  return errors;
}
