#!/usr/bin/env node
// Builds every application listed in nest-cli.json (the one list of apps).
'use strict';
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const { projects } = require(join(root, 'nest-cli.json'));
const apps = Object.entries(projects)
  .filter(([, p]) => p.type === 'application')
  .map(([name]) => name);
const nest = join(root, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js');
for (const app of apps) {
  execFileSync(process.execPath, [nest, 'build', app], { stdio: 'inherit', cwd: root });
}
