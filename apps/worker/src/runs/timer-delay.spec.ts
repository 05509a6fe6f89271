import { MAX_TIMER_MS, timerDelay } from './timer-delay';

describe('timerDelay', () => {
  it('keeps delays a timer can wait, clamps longer ones (a 30-day grace) instead of letting them fire at once', async () => {
    expect(timerDelay(1_500)).toBe(1_500);
    expect(timerDelay(-1)).toBe(0);
    expect(timerDelay(30 * 86_400_000)).toBe(MAX_TIMER_MS);
    let fired = false;
    const timer = setTimeout(() => (fired = true), timerDelay(30 * 86_400_000));
    await new Promise((r) => setTimeout(r, 50));
    clearTimeout(timer);
    expect(fired).toBe(false);
  });
});
