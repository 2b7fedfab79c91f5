import { readFileSync } from 'node:fs';
import * as path from 'node:path';

// The checker is a plain Node script (node scripts/long-functions.js); its decisions are tested here
// on small sources, then on every file of src/.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const check = require('../../scripts/long-functions.js') as {
  MAX_LINES: number;
  longFunctionsIn(file: string, text: string): LongFunction[];
  longFunctions(files?: string[]): LongFunction[];
  sourceFiles(): string[];
  compareWithBaseline(found: LongFunction[], baseline: { known: { function: string }[] }): { fresh: string[]; gone: string[] };
};

interface LongFunction {
  file: string;
  line: number;
  name: string;
  lines: number;
  explained: boolean;
}

const body = (lines: number): string => Array.from({ length: lines - 2 }, (_, i) => `  total += ${i};`).join('\n');
const fn = (header: string, lines: number, close = '}'): string => `${header}\n${body(lines)}\n${close}`;

describe('long functions (scripts/long-functions.js)', () => {
  it('names a function over the limit with where it starts and how long it is, and leaves one at the limit alone', () => {
    const text = [fn('function atLimit() {', check.MAX_LINES), fn('function overLimit() {', check.MAX_LINES + 1)].join('\n');
    expect(check.longFunctionsIn('src/a/f.ts', text)).toEqual([
      { file: 'src/a/f.ts', line: check.MAX_LINES + 1, name: 'overLimit', lines: check.MAX_LINES + 1, explained: false },
    ]);
  });

  it('accepts a "long because" comment above the function, above the variable holding it, or above a class method', () => {
    const text = [
      '// long because the steps share six local variables',
      fn('export function declared() {', 90),
      '/** Parses the file; long because one pass reads every column. */',
      fn('export const arrow = async (x: number) => {', 90, '};'),
      'class Worker {',
      '  // long because the loop and its bookkeeping belong together',
      fn('  run(): void {', 90, '  }'),
      fn('  other(): void {', 90, '  }'),
      '}',
    ].join('\n');
    expect(check.longFunctionsIn('src/a/f.ts', text).map((f) => [f.name, f.explained])).toEqual([
      ['declared', true],
      ['arrow', true],
      ['Worker.run', true],
      ['Worker.other', false],
    ]);
  });

  it('does not take a comment above the call that receives a long callback, nor one elsewhere in the file', () => {
    const text = ['// long because: not about the callback', 'items.forEach(', fn('  (item) => {', 90, '  },'), ');'].join('\n');
    expect(check.longFunctionsIn('src/a/f.ts', text).map((f) => [f.name, f.explained])).toEqual([['(anonymous)', false]]);
  });

  it('fails on an unexplained long function missing from the baseline and on a baseline entry that no longer occurs', () => {
    const found: LongFunction[] = [
      { file: 'src/a/x.ts', line: 3, name: 'known', lines: 90, explained: false },
      { file: 'src/a/x.ts', line: 200, name: 'fresh', lines: 81, explained: false },
      { file: 'src/a/y.ts', line: 1, name: 'explained', lines: 120, explained: true },
    ];
    const baseline = { known: [{ function: 'src/a/x.ts known' }, { function: 'src/b/z.ts fixed' }] };
    expect(check.compareWithBaseline(found, baseline)).toEqual({ fresh: ['src/a/x.ts:200 fresh (81 lines)'], gone: ['src/b/z.ts fixed'] });
  });

  it('reads every source file of src/, spec files left out', () => {
    const files = check.sourceFiles();
    expect(files).toContain('src/main.ts');
    expect(files).toContain('src/shared/projections/projection-runner.ts');
    expect(files.filter((f) => !f.startsWith('src/') || f.endsWith('.spec.ts'))).toEqual([]);
  });

  it('passes on the repository as it is: every function over the limit in src/ says why it is long, or is listed in the baseline', () => {
    const root = path.join(__dirname, '..', '..');
    const baseline = JSON.parse(readFileSync(path.join(root, 'long-functions-baseline.json'), 'utf8')) as { known: { function: string }[] };
    expect(check.compareWithBaseline(check.longFunctions(), baseline)).toEqual({ fresh: [], gone: [] });
  });
});
