import { describeTimeLeft, estimateTimeLeft, formatDuration, type SpendPoint, type SpendWindow } from './time-left';

/** The window as the store reads it (SweepReader.spendWindow; its own spec checks it against this). */
function windowOf(points: SpendPoint[], now: number, windowMs = 3_600_000): SpendWindow | undefined {
  const inside = points.filter((p) => p.at >= now - windowMs);
  return inside.length ? { oldest: inside[0], count: inside.length } : undefined;
}

describe('estimateTimeLeft', () => {
  const hour = 3_600_000;
  const now = 10 * hour;
  const pace = (spent: number, budget: number, results = 0, runsLeft?: number) => ({ spent, budget, results, runsLeft });

  it("spends the rest at the last hour's rate", () => {
    // 100 spent per minute for two hours; budget 20,000, 12,000 spent: 8,000 left = 80 minutes.
    const points = Array.from({ length: 121 }, (_, i) => ({ at: now - 2 * hour + i * 60_000, spent: 12_000 - (120 - i) * 100, n: i }));
    const t = estimateTimeLeft(windowOf(points, now), pace(12_000, 20_000, 120), now)!;
    expect(t.rate).toBeCloseTo(100 / 60, 10);
    expect(t.seconds).toBeCloseTo(80 * 60, 6);
    expect(t).toMatchObject({ windowSeconds: 3600, until: 'budget' });
    expect(t.runRate).toBeCloseTo(1 / 60, 10);
  });

  it('follows a change of pace within the hour, not the pace before it', () => {
    // Slow (10/min) until an hour ago, then 100/min: the last hour's rate only.
    const points = [
      ...Array.from({ length: 60 }, (_, i) => ({ at: now - 2 * hour + i * 60_000, spent: i * 10, n: i })),
      ...Array.from({ length: 61 }, (_, i) => ({ at: now - hour + i * 60_000, spent: 600 + i * 100, n: 60 + i })),
    ];
    const t = estimateTimeLeft(windowOf(points, now), pace(6_600, 12_600), now)!;
    expect(t.rate * 60).toBeCloseTo(100, 6);
    expect(t.seconds).toBeCloseTo(60 * 60, 6);
  });

  it('slows when results stop coming: the window runs to now', () => {
    // 100/min for 30 minutes, then nothing for 30: half the rate.
    const points = Array.from({ length: 31 }, (_, i) => ({ at: now - hour + i * 60_000, spent: i * 100, n: i }));
    const t = estimateTimeLeft(windowOf(points, now), pace(3_000, 6_000), now)!;
    expect(t.rate * 60).toBeCloseTo(50, 6);
  });

  it('ends at stop.maxRuns when that comes before the budget', () => {
    // One result a minute, 100 spent per minute: 30 runs left take 30 minutes, the budget 80.
    const window: SpendWindow = { oldest: { at: now - hour, spent: 6_000, n: 40 }, count: 60 };
    const t = estimateTimeLeft(window, pace(12_000, 20_000, 100, 30), now)!;
    expect(t).toMatchObject({ until: 'maxRuns' });
    expect(t.seconds).toBeCloseTo(30 * 60, 6);
    // More runs left than the budget pays for: the budget ends it.
    expect(estimateTimeLeft(window, pace(12_000, 20_000, 100, 500), now)).toMatchObject({ until: 'budget', seconds: 80 * 60 });
  });

  it('ends when the candidates run out, if that comes before the budget and stop.maxRuns', () => {
    // 100 spent and one result per minute, 8,000 of the budget left; buying every candidate left
    // costs 3,000 and takes 10 results: 30 minutes (the cost), not 80.
    const window: SpendWindow = { oldest: { at: now - hour, spent: 6_000, n: 40 }, count: 60 };
    const withLeft = (spend: number, runs: number, runsLeft?: number) => ({ ...pace(12_000, 20_000, 100, runsLeft), candidatesLeft: { spend, runs } });
    expect(estimateTimeLeft(window, withLeft(3_000, 10), now)).toMatchObject({ until: 'candidates', seconds: 30 * 60 });
    // 50 cheap runs left take 50 minutes at a result a minute, though their cost takes 30.
    expect(estimateTimeLeft(window, withLeft(3_000, 50), now)).toMatchObject({ until: 'candidates', seconds: 50 * 60 });
    // More than the budget left, in cost or in time: the budget ends it.
    expect(estimateTimeLeft(window, withLeft(9_000, 10), now)).toMatchObject({ until: 'budget', seconds: 80 * 60 });
    expect(estimateTimeLeft(window, withLeft(3_000, 200), now)).toMatchObject({ until: 'budget', seconds: 80 * 60 });
    // stop.maxRuns first (20 runs at one a minute) still wins.
    expect(estimateTimeLeft(window, withLeft(3_000, 30, 20), now)).toMatchObject({ until: 'maxRuns', seconds: 20 * 60 });
    // Nothing left to buy, nothing in flight: no time left.
    expect(estimateTimeLeft(window, withLeft(0, 0), now)).toMatchObject({ until: 'candidates', seconds: 0 });
    // No result over the window (only failed runs spent, or the point's n read ahead of its spent):
    // the candidates' pace is unknown, and the budget's would say years where minutes are left.
    expect(estimateTimeLeft({ oldest: { at: now - hour, spent: 6_000, n: 100 }, count: 60 }, withLeft(3_000, 10), now)).toBeUndefined();
  });

  it('has no estimate without two points in the window, or nothing spent over it', () => {
    expect(estimateTimeLeft(undefined, pace(0, 10), now)).toBeUndefined();
    expect(estimateTimeLeft({ oldest: { at: now - 1000, spent: 1, n: 1 }, count: 1 }, pace(2, 10), now)).toBeUndefined();
    // Reopened after being done for a day: the old points are outside the window.
    expect(estimateTimeLeft(windowOf([{ at: now - 30 * hour, spent: 1, n: 1 }, { at: now - 25 * hour, spent: 5, n: 2 }, { at: now - 60_000, spent: 5, n: 2 }], now), pace(5, 10), now)).toBeUndefined();
    expect(estimateTimeLeft({ oldest: { at: now - 2000, spent: 5, n: 1 }, count: 2 }, pace(5, 10), now)).toBeUndefined();
    // With a run limit, no result counted over the window yet: no pace for the runs, no estimate.
    expect(estimateTimeLeft({ oldest: { at: now - 2000, spent: 5, n: 7 }, count: 2 }, pace(8, 10, 7, 3), now)).toBeUndefined();
    // A point stamped ahead of this clock (another replica's): no estimate rather than a negative one.
    expect(estimateTimeLeft({ oldest: { at: now + 500, spent: 1, n: 1 }, count: 2 }, pace(5, 10), now)).toBeUndefined();
  });

  it('is zero when the budget is spent', () => {
    expect(estimateTimeLeft({ oldest: { at: now - 2000, spent: 5, n: 1 }, count: 2 }, pace(10, 10), now)?.seconds).toBe(0);
  });
});

describe('formatDuration and describeTimeLeft', () => {
  it('rounds to the two largest units', () => {
    expect(formatDuration(0)).toBe('~0s');
    expect(formatDuration(42.4)).toBe('~42s');
    expect(formatDuration(60)).toBe('~1m');
    expect(formatDuration(125)).toBe('~2m 5s');
    expect(formatDuration(2 * 3600 + 10 * 60 + 59)).toBe('~2h 10m');
    expect(formatDuration(3 * 86_400 + 4 * 3600 + 5)).toBe('~3d 4h');
    expect(formatDuration(86_400 + 30)).toBe('~1d');
    expect(formatDuration(Infinity)).toBe('unknown');
  });

  it('says what ends it and over what window', () => {
    expect(describeTimeLeft({ seconds: 7_830, windowSeconds: 3_600, until: 'budget' })).toBe("~2h 10m left at the last 1h's pace");
    expect(describeTimeLeft({ seconds: 45, windowSeconds: 95, until: 'maxRuns' })).toBe("~45s left at the last 1m 35s's pace (until stop.maxRuns)");
    expect(describeTimeLeft({ seconds: 600, windowSeconds: 3_600, until: 'candidates' })).toBe("~10m left at the last 1h's pace (until the candidates run out)");
  });
});
