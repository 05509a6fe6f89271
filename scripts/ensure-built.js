#!/usr/bin/env node
// Builds dist/ when any TypeScript source is newer than the last build that passed (dist/.build-stamp,
// written by `npm run build`: scripts/build.js), so `npm run lawsweep`, `npm run demo` and the
// end-to-end tests always run the code in the working tree.
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const stamp = path.join(root, 'dist', '.build-stamp');

function newestMtime(dir) {
  let newest = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (entry.name.endsWith('.ts') || entry.name.endsWith('.json')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

const sources = Math.max(
  ...['apps', 'libs', 'bench'].map((d) => newestMtime(path.join(root, d))),
  ...['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((f) => fs.statSync(path.join(root, f)).mtimeMs),
);
const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
if (sources > built) {
  process.stderr.write('lawsweep: building (tsc)...\n');
  // The build writes the stamp itself (scripts/build.js), so a plain `npm run build` counts too.
  execSync('npm run -s build', { cwd: root, stdio: 'inherit' });
}
