import type { SweepRecord } from '@lawsweep/store';

/** What a planner tells the webhook: a sweep ended, or paused itself (the circuit breaker). */
export type SweepEvent = 'sweep.done' | 'sweep.failed' | 'sweep.paused';

export interface SweepNotification {
  event: SweepEvent;
  /** One line for people: Slack's and Mattermost's incoming webhooks show `text` as the message. */
  text: string;
  sweep: {
    id: string;
    name: string;
    state: string;
    stopReason?: string;
    budget: { total: number; spent: number; reserved: number };
    runs: SweepRecord['runs'];
    targets: { config: Record<string, number>; loss: number | null; lower: number | null; upper: number | null }[];
  };
}

const sig = (x: number) => x.toPrecision(3).replace('e+', 'e');

/** The webhook's JSON body for an event on a sweep, as the sweep is after it. */
export function sweepNotification(event: SweepEvent, sweep: SweepRecord): SweepNotification {
  const predictions = sweep.fit?.predictions ?? [];
  const targets = sweep.spec.targets.map((config, i) => ({
    config,
    loss: predictions[i]?.loss ?? null,
    lower: predictions[i]?.lower ?? null,
    upper: predictions[i]?.upper ?? null,
  }));
  const spent = sweep.budget > 0 ? `${((100 * sweep.spent) / sweep.budget).toFixed(1)}% of ${sig(sweep.budget)}` : sig(sweep.spent);
  const first = targets[0];
  const target =
    first && first.loss !== null && first.lower !== null && first.upper !== null
      ? `; target ${Object.entries(first.config).map(([k, v]) => `${k}=${sig(v)}`).join(' ')}: ${first.loss.toFixed(4)} ±${((50 * (first.upper - first.lower)) / first.loss).toFixed(2)}%`
      : '';
  const what = event === 'sweep.paused' ? 'paused' : sweep.state;
  const text = `lawsweep: sweep ${sweep.id} (${sweep.name}) ${what}${sweep.stopReason ? `: ${sweep.stopReason}` : ''}; spent ${spent} in ${sweep.runs.done} runs (${sweep.runs.failed} failed)${target}`;
  return {
    event,
    text,
    sweep: {
      id: sweep.id,
      name: sweep.name,
      state: sweep.state,
      ...(sweep.stopReason ? { stopReason: sweep.stopReason } : {}),
      budget: { total: sweep.budget, spent: sweep.spent, reserved: sweep.reserved },
      runs: sweep.runs,
      targets,
    },
  };
}
