import { isRedisOutOfMemory } from './redis-oom';

describe('isRedisOutOfMemory', () => {
  const replyError = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });

  it("recognises Redis's OOM reply on a command and inside a script (as Redis 7 and older ones word it)", () => {
    for (const message of [
      "OOM command not allowed when used memory > 'maxmemory'.",
      "OOM command not allowed when used memory > 'maxmemory'. script: ee5bed0f6963e93a14eebfb64f07c299c1b4313f, on @user_script:1.",
      "ERR Error running script (call to f_ee5bed0f): @user_script:1: -OOM command not allowed when used memory > 'maxmemory'.",
    ]) {
      expect(isRedisOutOfMemory(replyError(message))).toBe(true);
    }
  });

  it('recognises a transaction Redis discarded because a command of it was refused so (EXECABORT)', () => {
    const execAbort = (previous: Error[]) => Object.assign(replyError('EXECABORT Transaction discarded because of previous errors.'), { previousErrors: previous });
    expect(isRedisOutOfMemory(execAbort([replyError("OOM command not allowed when used memory > 'maxmemory'.")]))).toBe(true);
    expect(isRedisOutOfMemory(execAbort([replyError("ERR wrong number of arguments for 'hset' command")]))).toBe(false);
  });

  it('says no to anything else', () => {
    for (const e of [new Error('Connection is closed.'), replyError('ERR unknown command'), new Error('ROOM command not allowed when used memory > x'), "OOM command not allowed when used memory > 'maxmemory'.", undefined]) {
      expect(isRedisOutOfMemory(e)).toBe(false);
    }
  });
});
