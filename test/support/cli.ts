import { spawn, spawnSync } from 'node:child_process';
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

/**
 * `lawsweep ARGS` without blocking this process: for tests whose planner runs in-process
 * (PlannerStack), which spawnSync would freeze while the CLI waits for its answer.
 */
export function lawsweep(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
