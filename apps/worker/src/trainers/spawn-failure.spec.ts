import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessGroup } from './process-group';
import { spawnFailure } from './spawn-failure';

/** Starting a command that cannot start: the real spawn errors, and the failure each becomes. */
describe('spawn failures', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lawsweep-spawn-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const exitOf = (command: string, cwd?: string) => new ProcessGroup(command, [], { cwd, env: { PATH: process.env.PATH ?? '' }, onStdoutLine: () => undefined, onStderr: () => undefined }).whenExited;

  it('a missing executable: not retried, the reason names the path', async () => {
    const exit = await exitOf('/nonexistent/train');
    expect(exit).toMatchObject({ code: 127, spawnError: { code: 'ENOENT' } });
    const failure = spawnFailure(exit.spawnError!, '/nonexistent/train');
    expect(failure.retryable).toBe(false);
    expect(failure.message).toMatch(/^cannot start the trainer \(spawn ENOENT\): '\/nonexistent\/train' does not exist on this worker; fix trainer.command\[0\].*not retried/);
  });

  it('a command not on the PATH says so', async () => {
    const exit = await exitOf('no-such-trainer-on-path');
    const failure = spawnFailure(exit.spawnError!, 'no-such-trainer-on-path');
    expect(failure.retryable).toBe(false);
    expect(failure.message).toMatch(/'no-such-trainer-on-path' was not found on this worker's PATH/);
  });

  it('a file that is not executable: permission denied, not retried, with the fix', async () => {
    const script = join(dir, 'train.sh');
    writeFileSync(script, '#!/bin/sh\necho hi\n');
    chmodSync(script, 0o644);
    const exit = await exitOf(script);
    expect(exit.spawnError?.code).toBe('EACCES');
    const failure = spawnFailure(exit.spawnError!, script);
    expect(failure.retryable).toBe(false);
    expect(failure.message).toContain(`permission denied: '${script}' is not executable by the worker; make it executable (chmod +x)`);
  });

  it('a missing working directory is named as such, not as a missing program', async () => {
    const cwd = join(dir, 'no-such-dir');
    const exit = await exitOf('/bin/sh', cwd);
    expect(exit.spawnError?.code).toBe('ENOENT');
    expect(spawnFailure(exit.spawnError!, '/bin/sh', cwd).message).toMatch(/working directory trainer.cwd '.*no-such-dir' does not exist/);
  });

  it('a transient spawn error (EAGAIN) stays retryable', () => {
    const err = Object.assign(new Error('spawn EAGAIN'), { code: 'EAGAIN', syscall: 'spawn' });
    expect(spawnFailure(err, '/usr/bin/python3').retryable).toBe(true);
  });

  it('a command that starts and exits non-zero is no spawn error', async () => {
    expect((await exitOf('/bin/false')).spawnError).toBeUndefined();
  });
});
