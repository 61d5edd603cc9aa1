import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DevStackError } from './devstack-error';
import { findOnPath, requireExecutable } from './executables';
import { startLocalRedis } from './local-redis';
import { ensureSoftHsmToken } from './softhsm/softhsm-token';

describe('executables', () => {
  it('finds programs on PATH', () => {
    expect(findOnPath('node', process.env.PATH)).toMatch(/\/node$/);
    expect(findOnPath('node', '')).toBeUndefined();
  });

  it('names the Debian package to install when a program is missing', () => {
    expect(() => requireExecutable('fleetsign-no-such-tool', 'fleetsign-pkg')).toThrow(
      new DevStackError(
        "'fleetsign-no-such-tool' not found on PATH: install the Debian package fleetsign-pkg (apt-get install -y fleetsign-pkg)",
      ),
    );
  });
});

describe('missing system packages', () => {
  const savedPath = process.env.PATH;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'devstack-missing-'));
    process.env.PATH = dir; // an empty folder: none of the tools is found
  });
  afterEach(() => {
    process.env.PATH = savedPath;
    rmSync(dir, { recursive: true, force: true });
  });

  it('startLocalRedis names the redis-server package', async () => {
    await expect(startLocalRedis({ dir })).rejects.toThrow(/install the Debian package redis-server/);
  });

  it('ensureSoftHsmToken names the softhsm2 package', async () => {
    const token = ensureSoftHsmToken({ dir, tokenLabel: 't', pin: '123456', keys: [] });
    await expect(token).rejects.toThrow(DevStackError);
    await expect(token).rejects.toThrow(/install the Debian package softhsm2/);
  });
});
