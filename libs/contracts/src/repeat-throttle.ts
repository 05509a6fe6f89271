/** How long identical lines are held back after one is said. */
export const REPEAT_WINDOW_MS = 30_000;

/**
 * Says a line at once, then holds back identical ones for `windowMs`: at the window's end one line
 * says how many were held back (and opens a new window), so a line repeated without end is said at
 * most once per window, with its count. For errors that come in floods: BullMQ's worker retries a
 * fetch that Redis refuses (at its maxmemory: `OOM command not allowed`) at once, thousands of times
 * a second, each one an 'error' event. Lines are held back by their exact text.
 */
export class RepeatThrottle {
  private readonly windows = new Map<string, { held: number; timer: NodeJS.Timeout }>();

  constructor(
    private readonly say: (line: string) => void,
    private readonly windowMs = REPEAT_WINDOW_MS,
  ) {}

  log(line: string): void {
    const open = this.windows.get(line);
    if (open) {
      open.held++;
      return;
    }
    this.say(line);
    this.open(line);
  }

  /** Says the counts still held back, and forgets every window (shutdown). */
  close(): void {
    for (const [line, w] of this.windows) {
      clearTimeout(w.timer);
      if (w.held > 0) this.say(this.summary(line, w.held));
    }
    this.windows.clear();
  }

  private open(line: string): void {
    const w = {
      held: 0,
      timer: setTimeout(() => {
        this.windows.delete(line);
        if (w.held === 0) return;
        this.say(this.summary(line, w.held));
        this.open(line);
      }, this.windowMs),
    };
    w.timer.unref();
    this.windows.set(line, w);
  }

  private summary(line: string, held: number): string {
    return `${line} (${held} more time${held === 1 ? '' : 's'} in the last ${Math.round(this.windowMs / 1000)} s, not logged each)`;
  }
}
