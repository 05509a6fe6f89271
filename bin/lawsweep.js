#!/usr/bin/env node
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('lawsweep is not built yet: run `npm run build` (or `npm run lawsweep -- ...`, which builds first).\n');
  process.exit(1);
}
require(entry);
