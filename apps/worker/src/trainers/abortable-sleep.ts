import { RunStopped } from '../runs/run-stopped';
import { timerDelay } from '../runs/timer-delay';
import type { StopReason } from './trainer.types';

/** Sleeps, or throws RunStopped as soon as the run's signal aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const stopped = () => new RunStopped((signal.reason as StopReason) ?? 'cancelled');
    if (signal.aborted) return reject(stopped());
    const onAbort = () => {
      clearTimeout(timer);
      reject(stopped());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, timerDelay(ms));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
