import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root and the built CLI entry point, as a user runs it (`bin/lawsweep.js`). */
export const ROOT = resolve(__dirname, '../..');
export const CLI_BIN = join(ROOT, 'bin/lawsweep.js');

/**
 * Builds dist/ when sources changed (scripts/ensure-built.js), for the tests that run the CLI as a
 * child process. tsc emits even when another part of the tree has type errors, so a failed build
 * is not fatal here; only a missing CLI is.
 */
export function ensureCliBuilt(): void {
  try {
    execFileSync(process.execPath, [join(ROOT, 'scripts/ensure-built.js')], { cwd: ROOT, stdio: 'pipe' });
  } catch {
    // see above: what matters is whether the CLI is there
  }
  if (!existsSync(join(ROOT, 'dist/apps/cli/src/main.js'))) throw new Error('the CLI was not built (dist/apps/cli/src/main.js)');
}

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
