import { BoundedCurve } from './bounded-curve';

describe('BoundedCurve', () => {
  it('keeps every point while there are few', () => {
    const c = new BoundedCurve(10);
    for (let i = 0; i < 10; i++) expect(c.push({ step: i, loss: 1 })).toBe(true);
    expect(c.toArray().map((p) => p.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('covers a long run evenly in at most max + 1 points, the first and the latest included', () => {
    const c = new BoundedCurve(100);
    let sent = 0;
    for (let i = 0; i < 100_000; i++) if (c.push({ step: i, loss: 1 / (i + 1) })) sent++;
    const steps = c.toArray().map((p) => p.step as number);
    expect(steps.length).toBeLessThanOrEqual(101);
    expect(steps.length).toBeGreaterThan(50);
    expect(steps[0]).toBe(0);
    expect(steps[steps.length - 1]).toBe(99_999);
    const gaps = new Set(steps.slice(1, -1).map((s, i) => s - steps[i]));
    expect(gaps.size).toBe(1); // one stride between kept points: evenly spaced
    expect(sent).toBeLessThan(2_000); // progress events sent, not 100,000
  });
});
