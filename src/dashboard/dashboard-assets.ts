import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The dashboard's files: a fixed list, so no request path ever reaches the file system. */
export const DASHBOARD_FILES = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard-charts.js': 'text/javascript; charset=utf-8',
  'dashboard-panels.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
} as const;
export type DashboardFile = keyof typeof DASHBOARD_FILES;

export const isDashboardFile = (name: string): name is DashboardFile => Object.prototype.hasOwnProperty.call(DASHBOARD_FILES, name);

/**
 * Where the files are: beside this module (src/dashboard/public when run from the sources, and
 * dist/dashboard/public once the build has copied them), else the sources seen from dist/ (a
 * build made without the copy, run from a checkout).
 */
export function dashboardDirectory(moduleDir: string = __dirname): string {
  const candidates = [path.join(moduleDir, 'public'), path.resolve(moduleDir, '..', '..', 'src', 'dashboard', 'public')];
  const found = candidates.find((dir) => existsSync(path.join(dir, 'index.html')));
  if (found === undefined) throw new Error(`The dashboard's files are missing: looked in ${candidates.join(', ')}`);
  return found;
}

/**
 * The page's policy: its own script, style and API only (no inline code, no other origin). SVG
 * charts are drawn with attributes, which style-src does not govern.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The files, read once: they are small and never change while the process runs. */
export class DashboardAssets {
  private readonly files: ReadonlyMap<DashboardFile, Buffer>;

  constructor(directory: string = dashboardDirectory()) {
    this.files = new Map(Object.keys(DASHBOARD_FILES).map((name) => [name as DashboardFile, readFileSync(path.join(directory, name))]));
  }

  get(name: DashboardFile): { body: Buffer; contentType: string } {
    return { body: this.files.get(name) as Buffer, contentType: DASHBOARD_FILES[name] };
  }
}
