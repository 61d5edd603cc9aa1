import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { requireTestEnv } from '../../support/test-env';
import { type GatewayHarness, startGatewayHarness } from './gateway-harness';

// The generated OpenAPI document, as served, passes Redocly's recommended ruleset with
// no errors: what users' tools (generators, portals, linters) expect of it.

const run = promisify(execFile);
const REDOCLY = resolve(__dirname, '../../../node_modules/@redocly/cli/bin/cli.js');

interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: Array<{ pointer?: string }>;
}

describe('OpenAPI document under Redocly lint', () => {
  let h: GatewayHarness;
  let dir: string;

  beforeAll(async () => {
    h = await startGatewayHarness();
    dir = mkdtempSync(join(requireTestEnv('tmpRoot'), 'openapi-'));
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports 0 errors with the recommended ruleset (Redocly CLI run on the served JSON)', async () => {
    const res = await h.api('/docs/openapi.json');
    expect(res.status).toBe(200);
    const file = join(dir, 'openapi.json');
    writeFileSync(file, await res.text());
    const outcome = await run(
      process.execPath,
      [REDOCLY, 'lint', file, '--extends', 'recommended', '--format', 'json'],
      { env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' }, maxBuffer: 16 * 1024 * 1024 },
    ).catch((err: { stdout?: string; code?: number }) => ({ stdout: err.stdout ?? '', code: err.code }));
    const report = JSON.parse(outcome.stdout) as { totals: { errors: number; warnings: number }; problems: LintProblem[] };
    const describe = (p: LintProblem) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer ?? '?'}: ${p.message}`;
    expect(report.problems.filter((p) => p.severity === 'error').map(describe)).toEqual([]);
    expect(report.totals.errors).toBe(0);
    // The only warnings left: the probes (health, readiness, metrics) have no 4xx answer to list.
    const warnings = report.problems.filter((p) => p.severity === 'warn');
    expect(new Set(warnings.map((p) => `${p.ruleId} ${p.location[0]?.pointer}`))).toEqual(
      new Set(['/healthz', '/readyz', '/metrics'].map((path) => `operation-4xx-response #/paths/${path.replace(/\//g, '~1')}/get/responses`)),
    );
  });
});
