#!/usr/bin/env node
'use strict';
// The `fleetsign` command: runs the compiled CLI. In a checkout that has its packages
// (`npm ci`) but no build yet, it builds once first, so `npx fleetsign init` works
// right after `npm ci`; the build's output goes to stderr, never into the command's output.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
const entry = join(root, 'dist', 'apps', 'cli', 'apps', 'cli', 'src', 'main.js');
if (!existsSync(entry)) {
  if (!existsSync(join(root, 'node_modules', '@nestjs', 'cli'))) {
    process.stderr.write('fleetsign: not installed yet; run `npm ci` in the FleetSign checkout\n');
    process.exit(2);
  }
  process.stderr.write('fleetsign: building FleetSign once (npm run build)\n');
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.js')], { cwd: root, stdio: ['ignore', 2, 2] });
  if (build.status !== 0 || !existsSync(entry)) {
    process.stderr.write('fleetsign: the build failed; run `npm run build` to see why\n');
    process.exit(2);
  }
}
require(entry);
