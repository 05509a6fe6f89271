/** Longest summary kept; a reason may carry 4 kB of stderr. */
const MAX_SUMMARY = 300;

/**
 * A failed run's reason in one line, to count failures by what went wrong: the reason's first line
 * (what the worker saw: "trainer exited with code 1; stderr tail:") and, when there is more, its last
 * (usually the trainer's own last word: "RuntimeError: CUDA out of memory"), capped at 300
 * characters. Reasons that differ only in the middle of a stack trace count as one.
 */
export function failureSummary(reason: string): string {
  const lines = reason
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  if (lines.length === 0) return '(no reason given)';
  const [first, last] = [lines[0], lines[lines.length - 1]];
  const text = lines.length === 1 ? first : `${first}${first.endsWith(':') ? ' ' : ' … '}${last}`;
  return text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY - 1)}…` : text;
}
