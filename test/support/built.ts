import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root, and the built entry points the end-to-end tests start as child processes. */
export const ROOT = resolve(__dirname, '../..');
export const BUILT = {
  planner: join(ROOT, 'dist/apps/planner/src/main.js'),
  worker: join(ROOT, 'dist/apps/worker/src/main.js'),
  cli: join(ROOT, 'dist/apps/cli/src/main.js'),
};

/**
 * Builds dist/ when sources changed (scripts/ensure-built.js), then checks that these entry points
 * exist. The build reports failure when another part of the tree does not type-check yet, but it
 * still emits (tsc, then tsc-alias regardless: scripts/build.js), so only a missing entry point is fatal.
 */
export function ensureBuilt(...mains: string[]): void {
  spawnSync(process.execPath, [join(ROOT, 'scripts/ensure-built.js')], { cwd: ROOT, stdio: 'ignore' });
  for (const main of mains) if (!existsSync(main)) throw new Error(`${main} was not built: run \`npm run build\` and read its errors`);
}
