import { RepeatThrottle } from './repeat-throttle';

describe('RepeatThrottle', () => {
  let said: string[];
  let throttle: RepeatThrottle;

  beforeEach(() => {
    jest.useFakeTimers();
    said = [];
    throttle = new RepeatThrottle((line) => said.push(line), 30_000);
  });

  afterEach(() => {
    throttle.close();
    jest.useRealTimers();
  });

  it('says the first line at once, then at most one line per 30 s with the count held back', () => {
    const oom = "bullmq worker: OOM command not allowed when used memory > 'maxmemory'.";
    // A flood: 10,000 a second for 65 s.
    for (let s = 0; s < 65; s++) {
      for (let i = 0; i < 10_000; i++) throttle.log(oom);
      jest.advanceTimersByTime(1_000);
    }
    expect(said).toEqual([
      oom,
      `${oom} (299999 more times in the last 30 s, not logged each)`, // at 30 s: the first second's 9,999 and 29 s more
      `${oom} (300000 more times in the last 30 s, not logged each)`, // at 60 s
    ]);
    // The flood stops: the last count is said at the window's end, then nothing more.
    jest.advanceTimersByTime(30_000);
    expect(said.slice(3)).toEqual([`${oom} (50000 more times in the last 30 s, not logged each)`]);
    jest.advanceTimersByTime(120_000);
    expect(said).toHaveLength(4);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('holds back lines by their exact text: another line is said at once; a line seen once is said again after its window', () => {
    throttle.log('a');
    throttle.log('b');
    throttle.log('a');
    expect(said).toEqual(['a', 'b']);
    jest.advanceTimersByTime(30_000);
    expect(said).toEqual(['a', 'b', 'a (1 more time in the last 30 s, not logged each)']);
    jest.advanceTimersByTime(30_000); // b's window ended with nothing held back: forgotten
    throttle.log('b');
    expect(said.at(-1)).toBe('b');
  });

  it('says what it still holds back when closed, and leaves no timer', () => {
    throttle.log('x');
    throttle.log('x');
    throttle.log('x');
    throttle.close();
    expect(said).toEqual(['x', 'x (2 more times in the last 30 s, not logged each)']);
    expect(jest.getTimerCount()).toBe(0);
  });
});
