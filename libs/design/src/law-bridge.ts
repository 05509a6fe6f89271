import { fitLaw, type FitOptions, type FitResult, type Law, type LossFunction, type Observation } from '@lawsweep/law';

/** The one place libs/design calls libs/law's fitter. */
export function fitObservations(law: Law, observations: Observation[], options: FitOptions): FitResult {
  return fitLaw(law, observations, options);
}

export function parseLoss(text: string): LossFunction {
  if (text === 'mse') return { kind: 'mse' };
  const delta = text.startsWith('huber:') ? Number(text.slice(6)) : 1e-3;
  return { kind: 'huber', delta: Number.isFinite(delta) && delta > 0 ? delta : 1e-3 };
}
