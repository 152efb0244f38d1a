/**
 * The dashboard's browser tests' common ground: Debian's headless Chromium driven
 * by playwright-core (CHROMIUM_PATH names another), a desktop-sized page, the
 * dashboard's login, the hash routes, and the api called as the same key.
 */
import { Browser, chromium, Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A browser and one page 1280 × 900; close the browser in afterAll. */
export async function openBrowser(): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  return { browser, page };
}

/** Opens the dashboard at `base` and signs in with `key`; resolves once the counts show. */
export async function login(page: Page, base: string, key: string): Promise<void> {
  await page.goto(`${base}/ui`);
  await page.fill('#key', key);
  await page.click('#login button[type=submit]');
  await page.locator('#counts a').first().waitFor();
}

/** Moves the dashboard to one of its views (`#timers?status=failed`, `#timer/<id>`, …). */
export async function goto(page: Page, hash: string): Promise<void> {
  await page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`);
}

/** The ids of the rows the timers list shows, in order. */
export function listedIds(page: Page): Promise<string[]> {
  return page.$$eval('#timers tbody tr[data-timer]', (rows) => rows.map((r) => r.getAttribute('data-timer')!));
}

export type ApiCall = <T>(
  method: string,
  route: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<T>;

/** Calls the api at `base()` with `key`; anything but 2xx throws with the answer. */
export function apiAs(base: () => string, key: string): ApiCall {
  return async <T>(method: string, route: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base()}${route}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
}
