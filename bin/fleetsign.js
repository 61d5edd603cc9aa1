#!/usr/bin/env node
'use strict';
// The `fleetsign` command: runs the compiled CLI (`npm run build` first).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'dist', 'apps', 'cli', 'apps', 'cli', 'src', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('fleetsign: not built yet; run `npm run build` in the FleetSign checkout\n');
  process.exit(2);
}
require(entry);
