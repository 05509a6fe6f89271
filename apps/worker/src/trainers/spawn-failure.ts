import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { RunFailure } from '../runs/run-failure';

/**
 * Reasons a command cannot be started that starting it again would meet again: a missing program or
 * working directory, no permission to execute it. Retrying these only delays the failure (three
 * attempts with backoff, per run). Anything else (EAGAIN, ENOMEM: a node short of processes or
 * memory for a moment) stays retryable.
 */
const PERMANENT_SPAWN_ERRORS = new Set(['ENOENT', 'EACCES', 'EPERM', 'ENOTDIR', 'EISDIR', 'ENOEXEC', 'ELOOP', 'ENAMETOOLONG']);

/** The run failure for a trainer command that could not be started, naming the path and the fix. */
export function spawnFailure(err: NodeJS.ErrnoException, command: string, cwd?: string): RunFailure {
  const code = err.code ?? 'unknown error';
  const permanent = PERMANENT_SPAWN_ERRORS.has(code);
  const relative = cwd !== undefined && !isAbsolute(command) && command.includes('/') ? ` (relative to trainer.cwd '${cwd}')` : '';
  let what: string;
  if (code === 'ENOENT' && cwd !== undefined && !existsSync(cwd)) {
    what = `its working directory trainer.cwd '${cwd}' does not exist on this worker; create it or fix trainer.cwd`;
  } else if (code === 'ENOENT') {
    what = command.includes('/')
      ? `'${command}'${relative} does not exist on this worker; fix trainer.command[0] or install the trainer there`
      : `'${command}' was not found on this worker's PATH; fix trainer.command[0], give its full path, or install it there`;
  } else if (code === 'EACCES' || code === 'EPERM') {
    what = `permission denied: '${command}'${relative} is not executable by the worker; make it executable (chmod +x) or start it through its interpreter (e.g. ["python3", "${command}"])`;
  } else {
    what = `'${command}'${relative}: ${err.message}`;
  }
  return new RunFailure(`cannot start the trainer (spawn ${code}): ${what}${permanent ? '; not retried: another attempt would fail the same way' : ''}`, !permanent);
}
