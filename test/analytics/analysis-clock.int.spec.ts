import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Analyses run in business time: no analysis code reads the wall clock except through
 * src/analytics/as-of.ts (liveAsOf: the default as-of of live data; recordTime: record time). The
 * same rule is an ESLint rule (eslint.config.mjs); this test holds it where lint is not run.
 */
const ANALYTICS = path.resolve(__dirname, '../../src/analytics');
/** The clock module itself, and the daily timer (it schedules runs; it analyses nothing). */
const ALLOWED = new Set(['as-of.ts', 'segmentation-scheduler.service.ts']);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? files(path.join(dir, entry.name))
      : entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')
        ? [path.join(dir, entry.name)]
        : [],
  );
}

/** Clock reads in code (comments and strings are blanked first). */
function clockReads(source: string): string[] {
  const code = source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '')
    .replace(/'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, "''");
  return [...code.matchAll(/\.now\(\)|new Date\(\s*\)/g)].map((m) => m[0]);
}

describe('the wall clock in analysis code', () => {
  it('finds clock reads (the scan is sound)', () => {
    expect(clockReads('const a = Date.now(); const b = new Date(); const c = this.clock.now();')).toEqual([
      '.now()',
      'new Date()',
      '.now()',
    ]);
    expect(clockReads("// Date.now()\nconst d = new Date('2020-01-01'); const s = 'new Date()';")).toEqual([]);
  });

  it('is read only through liveAsOf and recordTime (src/analytics/as-of.ts)', () => {
    const analysed = files(ANALYTICS).filter((file) => !ALLOWED.has(path.relative(ANALYTICS, file)));
    expect(analysed.length).toBeGreaterThan(20);
    const reads = analysed.flatMap((file) =>
      clockReads(readFileSync(file, 'utf8')).map((read) => `${path.relative(ANALYTICS, file)}: ${read}`),
    );
    expect(reads).toEqual([]);
  });
});
