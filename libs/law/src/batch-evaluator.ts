import type { BatchEvaluator, Config, Law } from './law.types';

/** The law's fast evaluator when it has one, else a point-by-point one over logLossGrad. */
export function batchEvaluator(law: Law, configs: readonly Config[]): BatchEvaluator {
  if (law.prepare) return law.prepare(configs);
  const k = law.theta.length;
  const grad = new Float64Array(k);
  return {
    n: configs.length,
    evaluate(theta, logPred, jac) {
      for (let i = 0; i < configs.length; i++) {
        if (jac) {
          logPred[i] = law.logLossGrad(theta, configs[i], grad);
          jac.set(grad, i * k);
        } else {
          logPred[i] = law.logLoss(theta, configs[i]);
        }
      }
    },
  };
}
