import { failureSummary } from './failure-summary';

describe('failureSummary', () => {
  it('keeps a one-line reason as it is', () => {
    expect(failureSummary('no final loss')).toBe('no final loss');
  });

  it("joins the worker's line and the trainer's last word, dropping the stack trace between", () => {
    const reason = 'trainer exited with code 1; stderr tail:\nTraceback (most recent call last):\n  File "train.py", line 3\n\nRuntimeError: CUDA out of memory\n';
    expect(failureSummary(reason)).toBe('trainer exited with code 1; stderr tail: RuntimeError: CUDA out of memory');
    expect(failureSummary('timeout: ran past 10s\r\nlast line')).toBe('timeout: ran past 10s … last line');
  });

  it('caps a long line at 300 characters and names an empty reason', () => {
    expect(failureSummary('x'.repeat(5000))).toHaveLength(300);
    expect(failureSummary(' \n ')).toBe('(no reason given)');
  });
});
