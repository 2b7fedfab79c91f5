import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { TestApp } from './test-app';

/** Debian's Chromium, driven by playwright-core (no browser download). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Fails the suite with a clear message (never skips it) when there is no Chromium to drive. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: install Debian's chromium (apt-get install chromium, as .ci/run does) or set CHROMIUM_PATH.`,
    );
  }
}

export interface OpenDashboard {
  browser: Browser;
  page: Page;
  /** http://127.0.0.1:PORT of the app. */
  baseUrl: string;
}

/**
 * The test app listening on a loopback port and its /dashboard open in Chromium, this wide. Page
 * errors and console errors are pushed to `pageErrors`: a spec asserts it stays empty.
 */
export async function openDashboard(t: TestApp, width: number, pageErrors: string[]): Promise<OpenDashboard> {
  await t.app.listen(0, '127.0.0.1');
  const baseUrl = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  page.on('pageerror', (error) => pageErrors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
  });
  await page.goto(`${baseUrl}/dashboard`);
  return { browser, page, baseUrl };
}

/** Fills in the key and the range (and the currency, when given) and presses Load. */
export async function loadDashboard(page: Page, form: { key: string; from: string; to: string; currency?: string }): Promise<void> {
  await page.fill('#api-key', form.key);
  await page.fill('#from', form.from);
  await page.fill('#to', form.to);
  if (form.currency !== undefined) await page.fill('#currency', form.currency);
  await page.click('#load');
}
