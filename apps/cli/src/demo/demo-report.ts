import { resolveTruth, truthLossAt, type Config } from '@lawsweep/law';
import type { FitView, SweepView } from '../client/planner-api.types';
import { configText, sci } from '../format';

export interface DemoVerdict {
  lines: string[];
  withinTolerance: boolean;
  targets: { config: Config; loss: number; lower: number; upper: number; truth: number; relativeError: number; covered: boolean }[];
}

/** The true loss at a config under a named simulator truth (e.g. 'chinchilla'); throws when the name is unknown (truthLossAt answers undefined). */
export function namedTruthLoss(truth: string, config: Config): number {
  const loss = truthLossAt(truth, config);
  if (loss === undefined) throw new Error(`unknown truth "${truth}"`);
  return loss;
}

/**
 * The demo's closing report: the fitted law against the truth's parameters, each target's
 * prediction and 90% interval against the true loss, and whether every target is within the
 * stated tolerance (the demo's pass/fail).
 */
export function demoVerdict(sweep: SweepView, fit: FitView, truth: string, tolerance: number): DemoVerdict {
  const truthParams = resolveTruth(truth).params;
  const lines: string[] = [];
  lines.push(`fitted law (${fit.law}, ${fit.n} runs):`);
  for (const [k, v] of Object.entries(fit.params)) {
    const se = fit.stderr[k];
    lines.push(`  ${k.padEnd(6)} ${sci(v, 4).padStart(10)} ± ${sci(se, 2).padEnd(9)} truth ${sci(truthParams[k], 4)}`);
  }
  const targets = fit.predictions.map((p) => {
    const t = namedTruthLoss(truth, p.config);
    return { config: p.config, loss: p.loss, lower: p.lower, upper: p.upper, truth: t, relativeError: Math.abs(p.loss - t) / t, covered: p.lower <= t && t <= p.upper };
  });
  for (const t of targets) {
    lines.push(
      `target ${configText(t.config)}: predicted ${t.loss.toFixed(4)}, 90% interval [${t.lower.toFixed(4)}, ${t.upper.toFixed(4)}]; truth ${t.truth.toFixed(4)} ` +
        `(error ${(100 * t.relativeError).toFixed(2)}%, truth ${t.covered ? 'inside' : 'outside'} the interval)`,
    );
  }
  const withinTolerance = targets.length > 0 && targets.every((t) => t.relativeError <= tolerance);
  const spent = `${sci(sweep.budget.spent)} of ${sci(sweep.budget.total)} FLOPs in ${sweep.runs.done} runs`;
  lines.push(
    withinTolerance
      ? `PASS: target loss within ${(100 * tolerance).toFixed(0)}% of the truth (${spent})`
      : `FAIL: target loss not within ${(100 * tolerance).toFixed(0)}% of the truth (${spent})${targets.length === 0 ? ': no fit' : ''}`,
  );
  return { lines, withinTolerance, targets };
}
