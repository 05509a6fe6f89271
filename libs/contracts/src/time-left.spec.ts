import { estimateTimeLeft as estimate, formatDuration, spendWindow, type SpendWindow } from './time-left';

const estimateTimeLeft = (points: { at: number; spent: number }[], spentNow: number, budget: number, now: number) => estimate(spendWindow(points, now), spentNow, budget, now);

describe('estimateTimeLeft', () => {
  const hour = 3_600_000;
  const now = 10 * hour;

  it("spends the rest at the last hour's rate", () => {
    // 100 spent per minute for two hours; budget 20,000, 12,000 spent: 8,000 left = 80 minutes.
    const points = Array.from({ length: 121 }, (_, i) => ({ at: now - 2 * hour + i * 60_000, spent: 12_000 - (120 - i) * 100 }));
    const t = estimateTimeLeft(points, 12_000, 20_000, now)!;
    expect(t.rate).toBeCloseTo(100 / 60, 10);
    expect(t.seconds).toBeCloseTo(80 * 60, 6);
    expect(t.windowSeconds).toBe(3600);
  });

  it('follows a change of pace within the hour, not the pace before it', () => {
    // Slow (10/min) until an hour ago, then 100/min: the last hour's rate only.
    const points = [
      ...Array.from({ length: 60 }, (_, i) => ({ at: now - 2 * hour + i * 60_000, spent: i * 10 })),
      ...Array.from({ length: 61 }, (_, i) => ({ at: now - hour + i * 60_000, spent: 600 + i * 100 })),
    ];
    const t = estimateTimeLeft(points, 6_600, 12_600, now)!;
    expect(t.rate * 60).toBeCloseTo(100, 6);
    expect(t.seconds).toBeCloseTo(60 * 60, 6);
  });

  it('slows when results stop coming: the window runs to now', () => {
    // 100/min for 30 minutes, then nothing for 30: half the rate.
    const points = Array.from({ length: 31 }, (_, i) => ({ at: now - hour + i * 60_000, spent: i * 100 }));
    const t = estimateTimeLeft(points, 3_000, 6_000, now)!;
    expect(t.rate * 60).toBeCloseTo(50, 6);
  });

  it('has no estimate without two points in the window, or nothing spent over it', () => {
    expect(estimateTimeLeft([], 0, 10, now)).toBeUndefined();
    expect(estimateTimeLeft([{ at: now - 1000, spent: 1 }], 2, 10, now)).toBeUndefined();
    // Reopened after being done for a day: the old points are outside the window.
    expect(estimateTimeLeft([{ at: now - 30 * hour, spent: 1 }, { at: now - 25 * hour, spent: 5 }, { at: now - 60_000, spent: 5 }], 5, 10, now)).toBeUndefined();
    expect(estimateTimeLeft([{ at: now - 2000, spent: 5 }, { at: now - 1000, spent: 5 }], 5, 10, now)).toBeUndefined();
  });

  it('takes the window as the store reads it', () => {
    const window: SpendWindow = { oldest: { at: now - hour, spent: 1_000 }, count: 40 };
    expect(estimate(window, 4_600, 8_200, now)).toEqual({ seconds: 3600, rate: 1, windowSeconds: 3600 });
    expect(estimate({ ...window, count: 1 }, 4_600, 8_200, now)).toBeUndefined();
  });

  it('is zero when the budget is spent', () => {
    expect(estimateTimeLeft([{ at: now - 2000, spent: 5 }, { at: now - 1000, spent: 8 }], 10, 10, now)?.seconds).toBe(0);
  });
});

describe('formatDuration', () => {
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
});
