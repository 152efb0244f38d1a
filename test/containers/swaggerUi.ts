/**
 * Swagger UI at /docs driven as a person drives it, in headless Chromium: Authorize
 * with an API key, open "Create a timer", Try it out, type a body, Execute, and read
 * the answer the page shows.
 */
import type { Page } from 'playwright-core';

export interface ShownAnswer {
  status: number;
  body: string;
}

export async function createTimerInSwaggerUi(
  page: Page,
  docsUrl: string,
  key: string,
  body: object,
): Promise<ShownAnswer> {
  await page.goto(docsUrl);

  await page.locator('.auth-wrapper button.authorize').click();
  const dialog = page.locator('.dialog-ux');
  await dialog.locator('input').first().fill(key);
  await dialog.locator('.auth-btn-wrapper button.authorize').click();
  await dialog.locator('.auth-btn-wrapper button.btn-done').click();

  const operation = page.locator('.opblock[id$="-createTimer"]');
  await operation.locator('.opblock-summary').first().click();
  await operation.locator('button.try-out__btn').click();
  await operation.locator('textarea.body-param__text').fill(JSON.stringify(body, null, 2));
  await operation.locator('button.execute').click();

  const live = operation.locator('.live-responses-table');
  const status = live.locator('tbody .response-col_status').first();
  await status.waitFor();
  const shownBody = live.locator('.response-col_description pre, .response-col_description .microlight').first();
  return { status: Number((await status.textContent())?.trim()), body: (await shownBody.textContent()) ?? '' };
}
