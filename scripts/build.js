#!/usr/bin/env node
// `npm run build`: tsc, then tsc-alias (run even when tsc reports errors, since tsc still emits and the
// end-to-end tests only need the entry points), exiting with tsc's status (or tsc-alias's when it fails).
// A build that passes writes dist/.build-stamp, which scripts/ensure-built.js compares with the
// sources: the stamp's time is when the build started, so a source saved during the build is still
// newer than it and the next `npm run lawsweep`/`demo`/`test` builds again. The stamp is removed
// first, so a failed build leaves none and the next ensure-built does not trust dist/.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const stamp = path.join(root, 'dist', '.build-stamp');

function run(bin, args) {
  const r = spawnSync(process.execPath, [require.resolve(bin, { paths: [root] }), ...args], { cwd: root, stdio: 'inherit' });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

const started = new Date();
fs.rmSync(stamp, { force: true });
const tsc = run('typescript/bin/tsc', ['-p', 'tsconfig.build.json']);
const alias = run('tsc-alias/dist/bin/index.js', ['-p', 'tsconfig.build.json']);
const status = alias !== 0 ? alias : tsc;
if (status === 0) {
  fs.mkdirSync(path.dirname(stamp), { recursive: true });
  fs.writeFileSync(stamp, `${started.toISOString()}\n`);
  fs.utimesSync(stamp, started, started);
}
process.exit(status);
