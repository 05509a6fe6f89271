import type { FitView, SweepView } from '../client/planner-api.types';
import { demoVerdict, namedTruthLoss } from './demo-report';

const target = { N: 7e10, D: 1.4e12 };
const truth = namedTruthLoss('chinchilla', target);
const sweep = { id: 's', name: 'demo', state: 'done', law: 'chinchilla', budget: { total: 1e21, spent: 1e21, reserved: 0 }, runs: { queued: 0, running: 0, done: 80, failed: 0 }, targets: [], fit: null } as SweepView;
const fitWith = (loss: number): FitView => ({
  law: 'chinchilla', n: 80, params: { E: 1.7, A: 400, B: 410, alpha: 0.34, beta: 0.28 }, stderr: { E: 0.02, A: 50, B: 30, alpha: 0.008, beta: 0.005 },
  sigma: 0.005, rmse: 0.005, modes: [], predictions: [{ config: target, loss, lower: loss * 0.99, upper: loss * 1.01 }], frontier: null, fittedAt: null,
});

describe('demoVerdict', () => {
  it('knows the truth at Chinchilla-70B (Hoffmann et al. eq. 10)', () => {
    expect(truth).toBeCloseTo(1.9366, 3);
  });

  it('passes a prediction 1% off the truth and says whether the interval covers it', () => {
    const v = demoVerdict(sweep, fitWith(truth * 1.01), 'chinchilla', 0.02);
    expect(v.withinTolerance).toBe(true);
    expect(v.targets[0].relativeError).toBeCloseTo(0.01, 6);
    expect(v.targets[0].covered).toBe(true);
    expect(v.lines[v.lines.length - 1]).toMatch(/^PASS: target loss within 2% of the truth/);
    expect(v.lines.some((l) => /^ {2}alpha .* truth 0\.34$/.test(l))).toBe(true);
  });

  it('fails a prediction 3% off, and a sweep without a fit', () => {
    expect(demoVerdict(sweep, fitWith(truth * 0.97), 'chinchilla', 0.02).withinTolerance).toBe(false);
    const none = demoVerdict(sweep, { ...fitWith(2), predictions: [] }, 'chinchilla', 0.02);
    expect(none.withinTolerance).toBe(false);
    expect(none.lines[none.lines.length - 1]).toMatch(/^FAIL: .*: no fit$/);
  });
});
