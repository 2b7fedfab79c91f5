import * as fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Swagger UI at /docs in a real browser (headless Chromium, installed by .ci/run): it renders
 * every operation of the document, under the page's Content-Security-Policy, with every request
 * to another origin refused (the UI must work offline).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('Swagger UI in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    // A missing browser fails the suite (it is installed by .ci/run), never skips it.
    if (!fs.existsSync(CHROMIUM))
      throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get install chromium (as .ci/run does) or set CHROMIUM_PATH.`);
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    const address = t.app.getHttpServer().address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    origin = `http://127.0.0.1:${address.port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('renders every operation offline, with no script error and no policy violation', async () => {
    const documentOperations = await t.request('GET', '/docs/openapi.json', undefined, {}, { auth: false });
    const expected = Object.values(documentOperations.json.paths as Record<string, Record<string, unknown>>).reduce(
      (sum, item) => sum + Object.keys(item).length,
      0,
    );

    const page = await browser.newPage();
    const problems: string[] = [];
    const foreign: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(origin)) return route.continue();
      foreign.push(url);
      return route.abort();
    });

    await page.goto(`${origin}/docs`);
    await page.waitForSelector('.opblock', { timeout: 30_000 });
    // A string: it runs in the page (this project compiles without the DOM types).
    await page.waitForFunction(`document.querySelectorAll('.opblock').length >= ${expected}`, undefined, { timeout: 30_000 });
    expect(await page.locator('.opblock').count()).toBe(expected);
    expect(await page.locator('.info .title').innerText()).toContain('Relata API');
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  }, 90_000);
});
