/**
 * A run's failure reason as the worker logs it. Reasons are multi-line ("trainer exited with code
 * 2; stderr tail:" and then the trainer's stderr); the log keeps the first line as the headline and
 * the last `maxLines` lines (at most `maxChars` characters) of the rest, indented under it, saying
 * how much was left out: the cause is in the worker's log, and one chatty trainer cannot flood it.
 * The run's result keeps the whole reason, and the run directory's trainer.log all the trainer printed.
 */
export function reasonForLog(reason: string, maxLines = 20, maxChars = 2_000): string {
  const [first, ...rest] = reason.trimEnd().split('\n');
  const headline = first.length > maxChars ? `${first.slice(0, maxChars)}…` : first;
  const kept: string[] = [];
  let chars = 0;
  for (let i = rest.length - 1; i >= 0 && kept.length < maxLines; i--) {
    const line = rest[i].trimEnd();
    if (chars + line.length > maxChars) {
      // The first line that does not fit: its end, if nothing was kept yet (one long line).
      if (kept.length === 0) kept.unshift(`…${line.slice(-maxChars)}`);
      break;
    }
    kept.unshift(line);
    chars += line.length;
  }
  const omitted = rest.length - kept.length;
  const body = [...(omitted > 0 ? [`… ${omitted} earlier ${omitted === 1 ? 'line' : 'lines'} left out`] : []), ...kept];
  return [headline, ...body.map((line) => `    ${line}`)].join('\n');
}
