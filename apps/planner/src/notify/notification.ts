import type { StopCause } from '@lawsweep/contracts';
import type { SweepRecord } from '@lawsweep/store';

/** What a planner tells the webhook: a sweep ended, or paused itself (the circuit breaker). */
export type SweepEvent = 'sweep.done' | 'sweep.failed' | 'sweep.paused';

/**
 * The state an event leaves a sweep in, and why (the reason in words, and its cause: what the store
 * keeps as stopReason and stopCause): what the message says, whatever happens after. No cause in an
 * outbox entry left by an older planner.
 */
export interface SweepEventChange {
  state: 'done' | 'failed' | 'paused';
  reason: string;
  cause?: StopCause;
}

export interface SweepNotification {
  event: SweepEvent;
  /** One line for people: Slack's and Mattermost's incoming webhooks show `text` as the message. */
  text: string;
  sweep: {
    id: string;
    name: string;
    state: string;
    stopReason: string;
    /** Why, as a value to decide on (libs/contracts StopCause); absent for a change made by an older planner. */
    stopCause?: StopCause;
    budget: { total: number; spent: number; reserved: number };
    runs: SweepRecord['runs'];
    targets: { config: Record<string, number>; loss: number | null; lower: number | null; upper: number | null }[];
  };
}

const sig = (x: number) => x.toPrecision(3).replace('e+', 'e');

/** Slack reads &, < and > as markup (<!channel> pings everyone): a sweep's name or a trainer's stderr must not. */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The webhook's JSON body for an event: the change it made (state, reason) as it was made, with the
 * sweep's counts and fit as they are when it is sent (moments later).
 */
export function sweepNotification(event: SweepEvent, change: SweepEventChange, sweep: SweepRecord): SweepNotification {
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
  // The breaker's reason already begins "paused: …".
  const what = change.reason.startsWith(`${change.state}:`) ? change.reason : `${change.state}: ${change.reason}`;
  const text = slackEscape(`lawsweep: sweep ${sweep.id} (${sweep.name}) ${what}; spent ${spent} in ${sweep.runs.done} runs (${sweep.runs.failed} failed)${target}`);
  return {
    event,
    text,
    sweep: {
      id: sweep.id,
      name: sweep.name,
      state: change.state,
      stopReason: change.reason,
      ...(change.cause ? { stopCause: change.cause } : {}),
      budget: { total: sweep.budget, spent: sweep.spent, reserved: sweep.reserved },
      runs: sweep.runs,
      targets,
    },
  };
}
