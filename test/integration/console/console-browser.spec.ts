import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { CLIENT_PROFILES, ClientStack, espImage } from '../client/client-test-kit';

// The operator console in a real browser (Debian's chromium driven by playwright-core)
// against a running gateway and signer: log in with an operator key, see a job that was
// just signed and a failed one with its code; a screenshot is kept under test-output/.

const OUTPUT_DIR = resolve(__dirname, '../../../test-output/console');

/** Debian's chromium (npm test installs it; see scripts/ensure-env.js). */
function chromiumPath(): string {
  const found = spawnSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error('chromium not found: apt-get install -y chromium (npm test installs it when it can)');
  return found;
}

let stack: ClientStack;
let browser: Browser;

beforeAll(async () => {
  stack = await ClientStack.start();
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** Uploads bytes and submits a job on the RSA profile; waits (bounded) for its final state. */
async function signJob(image: Buffer): Promise<{ id: string; state: string; error?: { code: string } }> {
  const auth = { authorization: `Bearer ${stack.token.token}` };
  const upload = await fetch(`${stack.url}/v1/uploads/direct`, {
    method: 'PUT',
    headers: { ...auth, 'content-type': 'application/octet-stream' },
    body: image,
  });
  expect(upload.status).toBe(201);
  const { key } = (await upload.json()) as { key: string };
  const created = await fetch(`${stack.url}/v1/jobs`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ profile: CLIENT_PROFILES.rsa, source: { key } }),
  });
  expect(created.status).toBe(202);
  const { id } = (await created.json()) as { id: string };
  for (let attempt = 0; attempt < 600; attempt++) {
    const job = (await (await fetch(`${stack.url}/v1/jobs/${id}`, { headers: auth })).json()) as { id: string; state: string; error?: { code: string } };
    if (job.state === 'succeeded' || job.state === 'failed') return job;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`job ${id} did not finish`);
}

describe('operator console in a browser', () => {
  it('logs in with an operator key and shows a signed job and a failed one with its code', async () => {
    const signed = await signJob(espImage(4101));
    expect(signed.state).toBe('succeeded');
    const failed = await signJob(Buffer.from('these bytes are not an ESP image'.repeat(40)));
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'INVALID_IMAGE' } });

    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    await page.goto(`${stack.url}/console`);
    await page.fill('#api-key', stack.operatorToken.token);
    await page.click('#login-form button[type=submit]');

    const signedRow = page.locator(`tr[data-job="${signed.id}"]`).first();
    const failedRow = page.locator(`tr[data-job="${failed.id}"]`).first();
    await signedRow.waitFor({ timeout: 20_000 });
    await failedRow.waitFor({ timeout: 20_000 });
    expect(await signedRow.locator('td').nth(1).innerText()).toBe('succeeded');
    expect(await failedRow.locator('td').nth(1).innerText()).toBe('failed');
    expect(await failedRow.locator('td').nth(2).innerText()).toBe('INVALID_IMAGE');
    expect(await page.locator('#profiles').innerText()).toContain(CLIENT_PROFILES.rsa);
    expect(await page.locator('#tiles').innerText()).toMatch(/signers\s*1/);

    // Search by job id finds the failed job with its code.
    await page.fill('#search', failed.id);
    await page.press('#search', 'Enter');
    await page.locator(`#search-result tr[data-job="${failed.id}"]`).waitFor({ timeout: 10_000 });
    expect(await page.locator('#search-result').innerText()).toContain('INVALID_IMAGE');

    // The key never reaches the URL; it lives in this tab's sessionStorage only.
    expect(page.url()).toBe(`${stack.url}/console`);
    expect(page.url()).not.toContain(stack.operatorToken.token);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    expect(await page.evaluate('sessionStorage.length')).toBe(1);

    mkdirSync(OUTPUT_DIR, { recursive: true });
    const screenshot = join(OUTPUT_DIR, 'console.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);
  });

  it('refuses the JSON routes without an operator or admin scope', async () => {
    const overview = (token?: string) =>
      fetch(`${stack.url}/v1/console/overview`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    expect((await overview()).status).toBe(401);
    const forbidden = await overview(stack.token.token);
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { code: string }).code).toBe('FORBIDDEN');
    expect((await overview(stack.operatorToken.token)).status).toBe(200);
  });
});
