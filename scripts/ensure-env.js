#!/usr/bin/env node
// Makes a fresh clone runnable: installs npm dependencies when node_modules is
// missing, and the Debian packages FleetSign's tests and demo need (Redis,
// SoftHSM2, OpenSC) when they are missing and we are root. Uses Node built-ins
// only, because it runs before `npm ci`.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const DEBIAN = [
  { bin: 'redis-server', pkg: 'redis-server' },
  { bin: 'softhsm2-util', pkg: 'softhsm2' },
  { bin: 'pkcs11-tool', pkg: 'opensc' },
  { bin: 'openssl', pkg: 'openssl' },
  { bin: 'bc', pkg: 'bc' },
];

function onPath(bin) {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

function run(cmd, args) {
  execFileSync(cmd, args, { stdio: 'inherit', cwd: root });
}

const missing = [...new Set(DEBIAN.filter((d) => !onPath(d.bin)).map((d) => d.pkg))];
if (missing.length > 0) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !onPath('apt-get')) {
    console.error(`fleetsign: missing system packages: ${missing.join(' ')} (install them: apt-get install -y ${missing.join(' ')})`);
    process.exit(1);
  }
  console.error(`fleetsign: installing ${missing.join(' ')} with apt-get`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', ...missing]);
}

// Test-only tools (`--test`, from `npm test`): promtool lints every process's /metrics,
// chromium runs the operator console's browser test.
// Installed like the others when possible; without root or apt, promtool's check is
// skipped with a printed reason and the browser test names the missing chromium.
const TEST_ONLY = [
  { bin: 'promtool', pkg: 'prometheus' },
  { bin: 'chromium', pkg: 'chromium' },
];
if (process.argv.includes('--test')) {
  const wanted = [...new Set(TEST_ONLY.filter((d) => !onPath(d.bin)).map((d) => d.pkg))];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (wanted.length > 0 && isRoot && onPath('apt-get')) {
    console.error(`fleetsign: installing test tools ${wanted.join(' ')} with apt-get`);
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...wanted]);
  } else if (wanted.length > 0) {
    console.error(`fleetsign: test tools missing and not installable here (not root or no apt-get): apt-get install -y ${wanted.join(' ')}`);
  }
}

if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) {
  console.error('fleetsign: node_modules missing, running npm ci');
  // The lock file records every platform's optional packages: `npm ci` must accept it.
  const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit', cwd: root });
  if (ci.status !== 0) {
    console.error('fleetsign: npm ci failed (see above); fix package-lock.json rather than installing around it');
    process.exit(1);
  }
}
