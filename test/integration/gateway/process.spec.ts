import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freeLoopbackPort, stopChildProcess } from '../../support/redis-server';
import { requireTestEnv } from '../../support/test-env';
import { REPO_ROOT, compileGatewayTree } from './compiled-tree';
import { gatewayTestEnv, pollUntil, uniqueSuffix, writeHarnessConfig } from './gateway-harness';

// The process entry point (main.ts): settings from the environment, JSON logs
// without credentials, and a graceful stop on SIGTERM that lets a running upload finish.

jest.setTimeout(30_000);

describe('gateway process', () => {
  let workDir: string;
  let config: ReturnType<typeof writeHarnessConfig>;
  let child: ChildProcess | undefined;
  const output: string[] = [];

  beforeAll(async () => {
    workDir = mkdtempSync(join(requireTestEnv('tmpRoot'), 'gateway-main-'));
    await compileGatewayTree(workDir);
    config = writeHarnessConfig();
  });
  afterAll(async () => {
    if (child) await stopChildProcess(child, 'SIGKILL');
    rmSync(workDir, { recursive: true, force: true });
    rmSync(config.dir, { recursive: true, force: true });
  });

  const logLines = () =>
    output
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; req?: { path?: string }; url?: string });

  it('reports a bad setting in one clean line and exits 1 (no JSON log, no stack)', async () => {
    const run = spawn(process.execPath, [join(workDir, 'apps/gateway/src/main.js')], {
      cwd: workDir,
      env: {
        ...process.env,
        ...gatewayTestEnv(config.configPath, `{fst-bad-${uniqueSuffix()}}`),
        NODE_PATH: join(REPO_ROOT, 'node_modules'),
        FLEETSIGN_GATEWAY_HOST: '127.0.0.1',
        FLEETSIGN_GATEWAY_PORT: '70000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    run.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    run.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => run.once('exit', (exitCode) => resolve(exitCode)));
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^fleetsign-gateway: INVALID_CONFIG: .*FLEETSIGN_GATEWAY_PORT.*\n$/);
    expect(stderr.split('\n').filter((line) => line !== '')).toHaveLength(1);
  });

  it('serves on the configured port and finishes a running upload after SIGTERM', async () => {
    const port = await freeLoopbackPort();
    child = spawn(process.execPath, [join(workDir, 'apps/gateway/src/main.js')], {
      cwd: workDir,
      env: {
        ...process.env,
        ...gatewayTestEnv(config.configPath, `{fst-main-${uniqueSuffix()}}`),
        NODE_PATH: join(REPO_ROOT, 'node_modules'),
        FLEETSIGN_GATEWAY_HOST: '127.0.0.1',
        FLEETSIGN_GATEWAY_PORT: String(port),
        FLEETSIGN_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child!.once('exit', (code, signal) => resolve({ code, signal })),
    );

    const url = `http://127.0.0.1:${port}`;
    const listening = await pollUntil(
      () => fetch(`${url}/healthz`).then((res) => res.status, () => 0),
      (status) => status === 200,
    );
    expect(listening).toBe(200);
    expect(logLines().some((line) => line.msg === 'FleetSign gateway listening' && line.url === url)).toBe(true);

    // An upload whose body waits for the test: it is in flight when SIGTERM arrives.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let chunks = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (chunks === 1) await gate;
        if (chunks === 2) return controller.close();
        chunks += 1;
        controller.enqueue(new Uint8Array(1000).fill(chunks));
      },
    });
    const upload = fetch(`${url}/v1/uploads/direct`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${config.ids.tokenA}`, 'content-type': 'application/octet-stream' },
      body,
      duplex: 'half',
    } as RequestInit);
    const arrived = await pollUntil(
      async () => logLines().some((line) => line.msg === 'incoming request' && line.req?.path === '/v1/uploads/direct'),
      (seen) => seen,
    );
    expect(arrived).toBe(true);

    child.kill('SIGTERM');
    const draining = await pollUntil(
      async () => logLines().some((line) => line.msg === 'stopping: finishing running requests'),
      (seen) => seen,
    );
    expect(draining).toBe(true);
    release();
    const res = await upload;
    expect(res.status).toBe(201);
    expect(((await res.json()) as { size: number }).size).toBe(2000);

    const exit = await exited;
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    const text = output.join('');
    expect(text).not.toContain(config.ids.tokenA);
    expect(text).not.toMatch(/Error|unhandled/i);
  });
});
