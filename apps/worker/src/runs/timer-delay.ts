/** The longest delay setTimeout keeps: Node fires a longer one after 1 ms (TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A delay for setTimeout from a configured duration, clamped to what a timer can wait (about 24.8
 * days): a grace or timeout longer than that then means "longer than the process will wait", never
 * "now".
 */
export function timerDelay(ms: number): number {
  return Math.min(Math.max(0, ms), MAX_TIMER_MS);
}
