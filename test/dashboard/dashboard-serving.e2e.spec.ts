import path from 'node:path';
import { DASHBOARD_CSP, dashboardDirectory } from '../../src/dashboard/dashboard-assets';
import { startTestApp, type TestApp } from '../support/test-app';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** How /dashboard serves its files: no credentials, a policy that allows only its own files, nothing else reachable. */
describe('serving the analyst dashboard', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const get = (url: string) => t.request('GET', url, undefined, {}, { auth: false });

  it('serves the page without credentials, under a policy for its own script, style and API only', async () => {
    const page = await get('/dashboard');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).not.toContain('unsafe-inline');
    expect(page.headers['x-frame-options']).toBe('DENY');
    const html = String(page.body);
    expect(html).toContain('<script src="/dashboard/dashboard.js" defer></script>');
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]/);
    expect(html).toContain('<link rel="stylesheet" href="/dashboard/dashboard.css">');
    // Nothing inline that the policy would block: no inline script, handler or style attribute.
    expect(html.match(/<script(?![^>]*\bsrc=)[^>]*>/g)).toBeNull();
    expect(html).not.toMatch(/\son[a-z]+=|\sstyle=/);
  });

  it('serves the script and the style sheet with their types', async () => {
    // The page's scripts, in the order it loads them.
    const html = String((await get('/dashboard')).body);
    const sources = [...html.matchAll(/<script src="([^"]+)" defer><\/script>/g)].map((m) => m[1]);
    expect(sources).toEqual(['/dashboard/dashboard-charts.js', '/dashboard/dashboard-panels.js', '/dashboard/dashboard.js']);
    const urls: string[] = [];
    for (const source of sources) {
      const script = await get(source);
      expect(script.status).toBe(200);
      expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(script.headers['content-security-policy']).toBe(DASHBOARD_CSP);
      urls.push(...(String(script.body).match(/https?:\/\/[^'"\s]*/g) ?? []));
    }
    // They call this server only: the one absolute URL is the SVG namespace.
    expect(urls).toEqual(['http://www.w3.org/2000/svg']);
    const style = await get('/dashboard/dashboard.css');
    expect(style.status).toBe(200);
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('serves no other file: names outside its list are 404, paths included', async () => {
    for (const url of ['/dashboard/secret.txt', '/dashboard/..%2Fpackage.json', '/dashboard/index.htm']) {
      const response = await get(url);
      expect({ url, status: response.status }).toEqual({ url, status: 404 });
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
    // A path deeper than one segment matches no route: unknown URLs answer 401 without credentials.
    expect((await get('/dashboard/public/index.html')).status).toBe(401);
  });

  it('the data routes it calls still need credentials', async () => {
    expect((await get('/analytics/complaints')).status).toBe(401);
  });

  it('finds its files from the sources and from a compiled dist/ build without a copy', () => {
    const sources = path.join(REPO_ROOT, 'src', 'dashboard', 'public');
    expect(dashboardDirectory(path.join(REPO_ROOT, 'src', 'dashboard'))).toBe(sources);
    expect(dashboardDirectory(path.join(REPO_ROOT, 'dist', 'dashboard'))).toMatch(/(src|dist)[/\\]dashboard[/\\]public$/);
    expect(() => dashboardDirectory(path.join(REPO_ROOT, 'no', 'such', 'place'))).toThrow(/The dashboard's files are missing/);
  });
});
