import type { HistoryPoint, SweepView } from '../client/planner-api.types';
import { LineProgressView } from './line-progress.view';
import { summarise } from './progress-summary';

const sweep = (done: number, loss: number | null): SweepView =>
  ({
    id: 's1', name: 'n', state: 'running', law: 'chinchilla',
    budget: { total: 1e21, spent: 2.5e20, reserved: 1e20 },
    runs: { queued: 1, running: 3, done, failed: 1 },
    targets: [{ config: { N: 7e10, D: 1.4e12 }, loss, lower: loss && loss * 0.98, upper: loss && loss * 1.02 }],
    fit: null,
  }) as SweepView;
const history: HistoryPoint[] = [
  { at: 1, spent: 1e19, n: 5, targets: [{ loss: 2, lower: 1.8, upper: 2.2 }] },
  { at: 2, spent: 2e20, n: 20, targets: [{ loss: 1.95, lower: 1.91, upper: 1.99 }] },
];

describe('progress summary and line view', () => {
  it('summarises budget, runs, target and how far the interval narrowed', () => {
    const s = summarise(sweep(12, 1.95), history);
    expect(s.budget).toBe('spent 25.0% + reserved 10.0% (2.50e20 + 1.00e20 of 1.00e21)');
    expect(s.runs).toBe('runs 12 done, 4 in flight (3 running), 1 failed');
    expect(summarise({ ...sweep(12, 1.95), runs: { ...sweep(12, 1.95).runs, cancelled: 2 } }, []).runs).toBe('runs 12 done, 4 in flight (3 running), 1 failed, 2 cancelled');
    expect(s.target).toBe('target N=7.0e10 D=1.4e12: 1.9500 [1.9110, 1.9890] ±2.00%');
    expect(s.narrowing).toBe('interval ±10.0% → ±2.00% over 2 fits');
  });

  it('prints a line only when something changed, and JSON lines with json', () => {
    const lines: string[] = [];
    const view = new LineProgressView((l) => lines.push(l));
    view.update(sweep(1, null), []);
    view.update(sweep(1, null), []);
    view.update(sweep(2, 2.1), history);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\] running +spent 25\.0%.*no fit yet$/);
    const json: string[] = [];
    new LineProgressView((l) => json.push(l), true).update(sweep(3, 2), history);
    expect(JSON.parse(json[0])).toMatchObject({ id: 's1', runs: { done: 3 } });
  });

  it('adds the time left to a line, but does not print a line because it moved', () => {
    const lines: string[] = [];
    const view = new LineProgressView((l) => lines.push(l));
    const at = (done: number, seconds: number): SweepView => ({ ...sweep(done, 2), timeLeft: { seconds, rate: 1e17, runRate: 0.1, until: 'budget', windowSeconds: 600 } });
    view.update(at(4, 7_830), history);
    view.update(at(4, 7_700), history);
    view.update(at(5, 7_500), history);
    view.update({ ...at(6, 7_000), state: 'done' }, history);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/ \| ~2h 10m left$/);
    expect(lines[1]).toMatch(/ \| ~2h 5m left$/);
    expect(lines[2]).not.toContain('left'); // a sweep that ended has no time left to show
    expect(summarise(at(4, 45), history).timeLeft).toBe('~45s left');
  });
});
