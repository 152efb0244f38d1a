/**
 * The documentation as a person meets it: `/` leads to Swagger UI, the browser finds
 * an icon, the operations are grouped by tag, and "Try it out" on POST /timers, sent
 * twice with two bodies, creates two timers. It used to pre-fill the Idempotency-Key
 * with the document's example, so the second try answered 409 (or 200 with the
 * first, old timer) and created nothing. The browser is Debian's headless Chromium,
 * driven by playwright-core, as in test/dashboard.test.ts.
 */
import { Browser, chromium, Page } from 'playwright-core';
import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { expectError, HOOK_URL, RunningApi, startApp, timerRow } from './support';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let t: TestDatabase;
let api: RunningApi;

beforeAll(async () => {
  t = await createTestDatabase('api_docs');
  api = await startApp(t.config, t.store, { nudger: { nudge: () => undefined } });
});

afterAll(async () => {
  await api?.close();
  await t?.drop();
});

describe('the way in', () => {
  it('redirects / to the docs, relative to where the api is served', async () => {
    const res = await api.http().get('/');

    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('docs/');
    expect((await api.http().get('/docs/')).status).toBe(200);
  });

  it('answers other methods on / with 405', async () => {
    const res = await api.http().post('/');

    expectError(res, 405, 'method_not_allowed');
    expect(res.headers.allow).toBe('GET');
  });

  it('serves an icon at /favicon.ico, where browsers look for it', async () => {
    const res = await api.http().get('/favicon.ico').buffer(true);

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/x-icon');
    // An ICO file: reserved 0, type 1 (icon), one image.
    expect([...(res.body as Buffer).subarray(0, 6)]).toEqual([0, 0, 1, 0, 1, 0]);
  });
});

describe('Swagger UI in a browser', () => {
  let browser: Browser;
  let page: Page;
  /** Answers of 400 or more to anything the page asked for, and errors in its console. */
  const problems: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('opens from /, with the operations grouped by tag', async () => {
    await page.goto(`http://127.0.0.1:${api.port}/`);

    expect(new URL(page.url()).pathname).toBe('/docs/');
    await page.locator('.opblock-tag').first().waitFor();
    expect(
      await page.locator('.opblock-tag').evaluateAll((tags) => tags.map((t) => t.getAttribute('data-tag'))),
    ).toEqual(['Timers', 'Schedules', 'Flows', 'Dashboard', 'Admin', 'Health']);
    expect(await page.locator('#operations-Timers-createTimer').count()).toBe(1);
    expect(await page.locator('#operations-Health-checkReadiness').count()).toBe(1);
    expect(await page.locator('[id^="operations-default-"]').count()).toBe(0);
  });

  it('"Try it out" on POST /timers twice, with two bodies, creates two timers', async () => {
    const operation = page.locator('#operations-Timers-createTimer');
    await operation.locator('.opblock-summary').click();
    await operation.locator('.try-out__btn').click();
    const key = operation.locator('tr[data-param-name="Idempotency-Key"] input');
    expect(await key.inputValue()).toBe('');
    expect(await key.getAttribute('placeholder')).toBe('Idempotency-Key');

    const created: Array<{ status: number; id: string; idempotencyKey?: string }> = [];
    for (const body of [
      { minutes: 10, url: HOOK_URL },
      { minutes: 20, url: `${HOOK_URL}/second` },
    ]) {
      await operation.locator('textarea.body-param__text').fill(JSON.stringify(body));
      const answered = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/timers'));
      await operation.locator('button.execute').click();
      const answer = await answered;
      const timer = (await answer.json()) as { id: string };
      created.push({
        status: answer.status(),
        id: timer.id,
        idempotencyKey: answer.request().headers()['idempotency-key'],
      });
    }

    expect(created.map((c) => [c.status, c.idempotencyKey])).toEqual([
      [201, undefined],
      [201, undefined],
    ]);
    expect(created[0].id).not.toBe(created[1].id);
    expect(await timerRow(t.db, created[0].id)).toMatchObject({ status: 'pending', url: HOOK_URL });
    expect(await timerRow(t.db, created[1].id)).toMatchObject({ status: 'pending', url: `${HOOK_URL}/second` });
    // The page shows the second answer.
    await operation.locator('.live-responses-table', { hasText: created[1].id }).waitFor();
  });

  it('loaded, as did the dashboard, without an error: no 404 for an icon, nothing in the console', async () => {
    const overview = page.waitForResponse((r) => r.url().endsWith('/ui/api/overview'));
    await page.goto(`http://127.0.0.1:${api.port}/ui/`);
    expect((await overview).status()).toBe(200);

    expect(problems).toEqual([]);
  });
});
