import type { LossFunction } from './law.types';

/** Parses 'mse', 'huber' (δ = 1e-3) or 'huber:DELTA' (DELTA > 0). */
export function parseLossFunction(text: string): LossFunction {
  const s = String(text).trim().toLowerCase();
  if (s === 'mse') return { kind: 'mse' };
  if (s === 'huber') return { kind: 'huber', delta: 1e-3 };
  const m = /^huber:(.+)$/.exec(s);
  if (m) {
    const delta = Number(m[1]);
    if (Number.isFinite(delta) && delta > 0) return { kind: 'huber', delta };
    throw new Error(`loss "${text}": the Huber delta must be a positive number, e.g. huber:1e-3`);
  }
  throw new Error(`loss "${text}" is not known: use mse, huber or huber:DELTA (e.g. huber:1e-3)`);
}

export function formatLossFunction(loss: LossFunction): string {
  return loss.kind === 'mse' ? 'mse' : `huber:${loss.delta}`;
}
