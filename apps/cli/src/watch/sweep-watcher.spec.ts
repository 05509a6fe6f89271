import type { HistoryPoint, SweepView } from '../client/planner-api.types';
import type { PlannerClient } from '../client/planner-client';
import type { ProgressView } from './progress-view';
import { SweepWatcher } from './sweep-watcher';

const point = (at: number): HistoryPoint => ({ at, spent: at, n: 1, targets: [{ loss: 2, lower: 1.9, upper: 2.1 }] });
const sweep = (state: SweepView['state']): SweepView =>
  ({ id: 'sw-1', name: 'w', state, law: 'chinchilla', budget: { total: 1, spent: 0, reserved: 0 }, runs: { queued: 0, running: 0, done: 0, failed: 0 }, targets: [], fit: null }) as SweepView;

/** A planner whose history grows by `growth[i]` points before poll i; `tail: false` answers as an older planner (the whole history, no length). */
function fakeClient(growth: number[], tail = true) {
  const history: HistoryPoint[] = [];
  const asked: number[] = [];
  let poll = 0;
  const client = {
    getSweep: async () => {
      for (let i = 0; i < (growth[poll] ?? 0); i++) history.push(point(history.length));
      poll++;
      return sweep(poll >= growth.length ? 'done' : 'running');
    },
    getHistoryFrom: async (_id: string, from: number) => {
      asked.push(from);
      await new Promise((r) => setImmediate(r)); // after getSweep grew it, as the real requests may interleave
      return tail ? { points: history.slice(from), total: history.length } : { points: history.slice() };
    },
  };
  return { client: client as unknown as PlannerClient, asked, history };
}

function recordingView() {
  const seen: HistoryPoint[][] = [];
  const view: ProgressView = { update: (_s, h) => seen.push(h.slice()), stop: () => undefined };
  return { view, seen };
}

describe('SweepWatcher', () => {
  it('asks only for the history points it has not seen, and shows the whole history at every poll', async () => {
    const { client, asked, history } = fakeClient([2, 3, 0, 4]);
    const { view, seen } = recordingView();
    await new SweepWatcher(client, view).watch('sw-1', { intervalMs: 1 });
    expect(asked).toEqual([0, 2, 5, 5]);
    expect(seen.map((h) => h.length)).toEqual([2, 5, 5, 9]);
    expect(seen[3]).toEqual(history);
  });

  it('takes an older planner answer (the whole history, no length) as the whole history', async () => {
    const { client, history } = fakeClient([2, 3, 1], false);
    const { view, seen } = recordingView();
    await new SweepWatcher(client, view).watch('sw-1', { intervalMs: 1 });
    expect(seen.map((h) => h.length)).toEqual([2, 5, 6]);
    expect(seen[2]).toEqual(history);
  });
});
