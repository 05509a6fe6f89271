import { reasonForLog } from './reason-for-log';

describe('reasonForLog', () => {
  it('a one-line reason is logged as it is', () => {
    expect(reasonForLog('cancelled')).toBe('cancelled');
  });

  it('the tail is indented under the headline', () => {
    expect(reasonForLog('trainer exited with code 3; stderr tail:\nTraceback:\n  oops\n')).toBe('trainer exited with code 3; stderr tail:\n    Traceback:\n      oops');
  });

  it('keeps the last 20 lines and says how many were left out', () => {
    const reason = ['trainer exited with code 2; stderr tail:', ...Array.from({ length: 50 }, (_, i) => `line ${i + 1}`)].join('\n');
    const lines = reasonForLog(reason).split('\n');
    expect(lines).toHaveLength(22);
    expect(lines[1]).toBe('    … 30 earlier lines left out');
    expect(lines[2]).toBe('    line 31');
    expect(lines[21]).toBe('    line 50');
  });

  it('keeps at most 2,000 characters of the tail, the end of one long line included', () => {
    const long = reasonForLog(`failed; stderr tail:\n${'a'.repeat(500)}\n${'b'.repeat(900)}\n${'c'.repeat(900)}`);
    expect(long.split('\n').map((l) => l.trim()[0])).toEqual(['f', '…', 'b', 'c']);
    expect(long.length).toBeLessThan(2_100);
    const oneLine = reasonForLog(`failed; stderr tail:\n${'x'.repeat(10_000)}y`).split('\n');
    expect(oneLine).toHaveLength(2);
    expect(oneLine[1]).toMatch(/^ {4}…x+y$/);
    expect(oneLine[1].length).toBe(4 + 1 + 2_000);
  });

  it('cuts an over-long headline', () => {
    expect(reasonForLog('z'.repeat(5_000))).toBe(`${'z'.repeat(2_000)}…`);
  });
});
