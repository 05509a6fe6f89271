import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BUILT, ensureBuilt, ROOT } from './built';

/** The CLI as a user runs it (`bin/lawsweep.js`). */
export const CLI_BIN = join(ROOT, 'bin/lawsweep.js');

/** Builds dist/ when sources changed, for the tests that run the CLI as a child process. */
export const ensureCliBuilt = (): void => ensureBuilt(BUILT.cli);

export interface CliOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `lawsweep ARGS` to completion in the repository root (60 s at most). */
export function lawsweepSync(args: string[], env: Record<string, string> = {}): CliOutput {
  const r = spawnSync(process.execPath, [CLI_BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
