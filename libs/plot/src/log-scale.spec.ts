import { LogScale, formatPlain, powerOfTenLabel } from './log-scale';

describe('LogScale', () => {
  it('maps decades to equal pixel steps', () => {
    const s = new LogScale([1e18, 1e22], [0, 400]);
    expect(s.map(1e18)).toBeCloseTo(0);
    expect(s.map(1e20)).toBeCloseTo(200);
    expect(s.map(1e22)).toBeCloseTo(400);
  });

  it('maps inverted ranges (y grows downwards in SVG)', () => {
    const s = new LogScale([1, 100], [500, 100]);
    expect(s.map(1)).toBeCloseTo(500);
    expect(s.map(10)).toBeCloseTo(300);
  });

  it('uses decade ticks over many decades, thinned to the limit', () => {
    const ticks = new LogScale([3e15, 2e24], [0, 1]).ticks(5);
    expect(ticks.length).toBeLessThanOrEqual(5);
    for (const t of ticks) expect(Math.log10(t.value) % 1).toBeCloseTo(0);
    expect(ticks[0].label).toBe('10¹⁶');
  });

  it('uses mantissa ticks inside one decade of loss', () => {
    const ticks = new LogScale([1.9, 3.6], [0, 1]).ticks(8);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(ticks.length).toBeLessThanOrEqual(8);
    expect(ticks.map((t) => t.label)).toContain('2');
    for (const t of ticks) expect(t.value).toBeGreaterThanOrEqual(1.9);
  });

  it('pads a domain and widens a single value', () => {
    const s = LogScale.padded([5, 5], [0, 1]);
    expect(s.lo).toBeLessThan(5);
    expect(s.hi).toBeGreaterThan(5);
  });

  it('rejects non-positive domains with a message', () => {
    expect(() => new LogScale([0, 1], [0, 1])).toThrow(/finite and positive/);
  });

  it('formats labels', () => {
    expect(powerOfTenLabel(-3)).toBe('10⁻³');
    expect(formatPlain(2.5)).toBe('2.5');
    expect(formatPlain(2e6)).toBe('2e6');
  });

  it('pads a domain around 200,000 values (more than a spread call takes)', () => {
    const values = Array.from({ length: 200_000 }, (_, i) => 10 ** (1 + (3 * i) / 199_999));
    const s = LogScale.padded(values, [0, 1], 0);
    expect(s.lo).toBeCloseTo(10, 6);
    expect(s.hi).toBeCloseTo(1e4, 2);
  });
});
