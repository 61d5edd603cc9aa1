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

/** The console overview's checkpoint once it covers `size` entries (the signer checkpoints after each entry). */
async function latestCheckpointShown(size: number): Promise<{ size: number; rootHash: string; writtenAt?: string }> {
  const headers = { authorization: `Bearer ${stack.operatorToken.token}` };
  for (let attempt = 0; attempt < 400; attempt++) {
    const overview = (await (await fetch(`${stack.url}/v1/console/overview`, { headers })).json()) as {
      checkpoint: { size: number; rootHash: string; writtenAt?: string } | null;
    };
    if (overview.checkpoint && overview.checkpoint.size >= size) {
      expect(overview.checkpoint.size).toBe(size);
      expect(overview.checkpoint.rootHash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(Date.parse(overview.checkpoint.writtenAt ?? '')).not.toBeNaN();
      return overview.checkpoint;
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`no checkpoint of ${size} entries appeared in the console overview`);
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

    // The transparency log's latest checkpoint: the size and root of the verified log.
    const logSize = (await stack.harness.log.entries(stack.harness.store)).length;
    expect(logSize).toBeGreaterThanOrEqual(1);
    const checkpoint = await latestCheckpointShown(logSize);
    // The page refreshes its overview every few seconds.
    await page.locator('#checkpoint code', { hasText: checkpoint.rootHash }).waitFor({ timeout: 20_000 });
    const shown = await page.locator('#checkpoint').innerText();
    expect(shown).toMatch(new RegExp(`entries\\s*${logSize}\\b`));
    expect(shown).toContain(checkpoint.rootHash);
    expect(shown).toContain(stack.harness.log.origin);
    expect(shown).not.toContain('no checkpoint yet');

    // Signer health as the signer reported it: the RSA profile's one token key and its PKCS#11 session pool.
    const rsaHealth = page.locator(`#signer-health tr[data-profile="${CLIENT_PROFILES.rsa}"]`);
    await rsaHealth.first().waitFor({ timeout: 20_000 });
    expect(await rsaHealth.count()).toBe(1);
    const cells = await rsaHealth.locator('td').allInnerTexts();
    expect(cells[0]).toMatch(/^.+:\d+$/);
    expect(cells.slice(3)).toEqual(['available', '1', expect.stringMatching(/^\d+ busy, \d+ idle of [1-9]\d*$/)]);
    expect(await page.locator(`#signer-health tr[data-profile="${CLIENT_PROFILES.ecdsa}"] td`).nth(4).innerText()).toBe('2');

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

    // The read-only queue dashboard, reached with the session cookie the login opened.
    await page.locator('#queues').waitFor({ state: 'visible', timeout: 10_000 });
    await page.click('#queues');
    await page.waitForURL(/\/console\/queues\/?$/);
    await page.getByText('sign', { exact: true }).first().waitFor({ timeout: 20_000 });
    expect(page.url()).not.toContain(stack.operatorToken.token);
    await page.screenshot({ path: join(OUTPUT_DIR, 'queues.png'), fullPage: true });
  });

  it('keeps the queue dashboard behind a console session, and read-only', async () => {
    expect((await fetch(`${stack.url}/console/queues/`)).status).toBe(401);
    expect((await fetch(`${stack.url}/console/queues/api/queues`, { headers: { cookie: 'fleetsign_console=forged' } })).status).toBe(401);
    const opened = await fetch(`${stack.url}/v1/console/session`, { method: 'POST', headers: { authorization: `Bearer ${stack.operatorToken.token}` } });
    expect(opened.status).toBe(201);
    const setCookie = opened.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^fleetsign_console=[A-Za-z0-9_-]{43}; Path=\/console\/queues; Max-Age=3600; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain(stack.operatorToken.token);
    const cookie = setCookie.split(';')[0];
    const queues = await fetch(`${stack.url}/console/queues/api/queues`, { headers: { cookie } });
    expect(queues.status).toBe(200);
    const body = (await queues.json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> };
    expect(body.queues.map((queue) => [queue.name, queue.readOnlyMode])).toEqual([
      ['sign', true],
      ['webhook', true],
    ]);
    // Read-only: bull-board refuses to retry the failed job.
    const retry = await fetch(`${stack.url}/console/queues/api/queues/sign/retry/failed`, { method: 'PUT', headers: { cookie } });
    expect(retry.status).toBeGreaterThanOrEqual(400);
    expect(await stack.harness.signQueue.getJobCounts('failed', 'waiting')).toMatchObject({ failed: 1, waiting: 0 });
    // A sign-only key cannot open a session.
    const refused = await fetch(`${stack.url}/v1/console/session`, { method: 'POST', headers: { authorization: `Bearer ${stack.token.token}` } });
    expect(refused.status).toBe(403);
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

  // Last: its rejected job adds a failed one to the sign queue the dashboard spec counts.
  it('shows pending approvals and approves one and rejects another from the page', async () => {
    const auth = { authorization: `Bearer ${stack.token.token}` };
    const submitHeld = async (seed: number): Promise<string> => {
      const upload = await fetch(`${stack.url}/v1/uploads/direct`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: espImage(seed, { chip: 'esp32c6' }) });
      const { key } = (await upload.json()) as { key: string };
      const created = await fetch(`${stack.url}/v1/jobs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ profile: CLIENT_PROFILES.dual, source: { key } }) });
      const body = (await created.json()) as { id: string; state: string };
      expect(body.state).toBe('awaiting_approval');
      return body.id;
    };
    const toApprove = await submitHeld(4201);
    const toReject = await submitHeld(4202);
    const jobState = async (id: string) => ((await (await fetch(`${stack.url}/v1/jobs/${id}`, { headers: auth })).json()) as { state: string; error?: { code: string } });

    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    await page.goto(`${stack.url}/console`);
    await page.fill('#api-key', stack.operatorToken.token);
    await page.click('#login-form button[type=submit]');
    const approveRow = page.locator(`#approvals tr[data-approval="${toApprove}"]`);
    const rejectRow = page.locator(`#approvals tr[data-approval="${toReject}"]`);
    await approveRow.waitFor({ timeout: 20_000 });
    await rejectRow.waitFor({ timeout: 20_000 });
    expect(await approveRow.innerText()).toContain('client-ci');
    expect(await approveRow.innerText()).toContain('0 of 1');
    mkdirSync(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: join(OUTPUT_DIR, 'approvals.png'), fullPage: true });

    await approveRow.locator('button[data-decide="approve"]').click();
    await approveRow.waitFor({ state: 'detached', timeout: 20_000 });
    await rejectRow.locator('.comment').fill('not this build');
    await rejectRow.locator('button[data-decide="reject"]').click();
    await rejectRow.waitFor({ state: 'detached', timeout: 20_000 });
    expect(await page.locator('#approval-error').innerText()).toBe('');

    let approved = await jobState(toApprove);
    let rejected = await jobState(toReject);
    for (let attempt = 0; attempt < 600 && !(['succeeded', 'failed'].includes(approved.state) && rejected.state === 'failed'); attempt++) {
      await new Promise((done) => setTimeout(done, 50));
      [approved, rejected] = [await jobState(toApprove), await jobState(toReject)];
    }
    expect(approved.state).toBe('succeeded');
    expect(rejected).toMatchObject({ state: 'failed', error: { code: 'APPROVAL_REJECTED' } });
    await page.close();
  });
});
