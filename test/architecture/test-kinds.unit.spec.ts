import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * One home for tests: every spec lives under test/ and says its kind in its name, so
 * `npx jest unit.spec` (pure), `int.spec` (real files, stores, an app module or a child process)
 * and `e2e.spec` (through HTTP or the CLI, as a user) each run one kind (docs/testing.md).
 */
const ROOT = path.resolve(__dirname, '..', '..');

function specsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...specsUnder(full));
    else if (entry.name.endsWith('.spec.ts')) out.push(path.relative(ROOT, full));
  }
  return out;
}

describe('where tests live', () => {
  it('no spec sits beside the code in src/', () => {
    expect(specsUnder(path.join(ROOT, 'src'))).toEqual([]);
  });

  it('every spec under test/ names its kind: *.unit.spec.ts, *.int.spec.ts or *.e2e.spec.ts', () => {
    const specs = specsUnder(path.join(ROOT, 'test'));
    expect(specs.length).toBeGreaterThan(100);
    expect(specs.filter((file) => !/\.(unit|int|e2e)\.spec\.ts$/.test(file))).toEqual([]);
  });
});
