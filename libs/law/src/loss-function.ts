import type { LossChoice } from './law.types';

/** Parses 'mse', 'huber' (δ = 1e-3), 'huber:DELTA' (DELTA > 0) or 'huber:auto' (δ from the data). */
export function parseLossFunction(text: string): LossChoice {
  const s = String(text).trim().toLowerCase();
  if (s === 'mse') return { kind: 'mse' };
  if (s === 'huber') return { kind: 'huber', delta: 1e-3 };
  if (s === 'huber:auto') return { kind: 'huber-auto' };
  const m = /^huber:(.+)$/.exec(s);
  if (m) {
    const delta = Number(m[1]);
    if (Number.isFinite(delta) && delta > 0) return { kind: 'huber', delta };
    throw new Error(`loss "${text}": the Huber delta must be a positive number or auto, e.g. huber:1e-3 or huber:auto`);
  }
  throw new Error(`loss "${text}" is not known: use mse, huber, huber:DELTA (e.g. huber:1e-3) or huber:auto`);
}

export function formatLossFunction(loss: LossChoice): string {
  return loss.kind === 'mse' ? 'mse' : loss.kind === 'huber-auto' ? 'huber:auto' : `huber:${loss.delta}`;
}
