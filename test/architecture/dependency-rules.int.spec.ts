import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

// The checker is a plain Node script (npm run deps); its decisions are tested here on small graphs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rules = require('../../scripts/check-dependencies.js') as {
  folderCycles(modules: GraphModule[]): string[];
  violationsOf(graph: { summary: { violations: unknown[] }; modules: GraphModule[] }): string[];
  compareWithBaseline(found: string[], baseline: { known: { violation: string }[] }): { fresh: string[]; gone: string[] };
};

interface GraphModule {
  source: string;
  dependencies: { resolved: string }[];
}

const graph = (edges: Record<string, string[]>): GraphModule[] =>
  Object.entries(edges).map(([source, deps]) => ({ source, dependencies: deps.map((resolved) => ({ resolved })) }));

describe('import rules (scripts/check-dependencies.js)', () => {
  it('reports two feature folders that import each other, naming an example import', () => {
    const lines = rules.folderCycles(graph({ 'src/a/x.ts': ['src/b/y.ts'], 'src/b/y.ts': [], 'src/b/z.ts': ['src/a/x.ts'] }));
    expect(lines).toEqual(['folder-cycle: a -> b (e.g. src/a/x.ts -> src/b/y.ts)', 'folder-cycle: b -> a (e.g. src/b/z.ts -> src/a/x.ts)']);
  });

  it('reports a cycle through three folders and leaves a one-way dependency alone', () => {
    const lines = rules.folderCycles(
      graph({
        'src/a/1.ts': ['src/b/1.ts', 'src/shared/k.ts'],
        'src/b/1.ts': ['src/c/1.ts'],
        'src/c/1.ts': ['src/a/1.ts', 'src/shared/k.ts'],
      }),
    );
    expect(lines.map((l) => l.replace(/ \(e\.g\..*/, ''))).toEqual([
      'folder-cycle: a -> b',
      'folder-cycle: b -> c',
      'folder-cycle: c -> a',
    ]);
  });

  it('leaves the composition roots (src/*.ts, cli, openapi, config) out of the folder rule', () => {
    expect(
      rules.folderCycles(
        graph({ 'src/app.module.ts': ['src/a/m.ts'], 'src/a/m.ts': ['src/config/config.ts'], 'src/config/config.ts': ['src/a/e.ts'] }),
      ),
    ).toEqual([]);
  });

  it('fails on a violation missing from the baseline and on a baseline entry that no longer occurs', () => {
    const found = ['folder-cycle: a -> b (e.g. src/a/x.ts -> src/b/y.ts)', 'folder-cycle: b -> a (e.g. src/b/z.ts -> src/a/x.ts)'];
    const baseline = { known: [{ violation: 'folder-cycle: a -> b' }, { violation: 'folder-cycle: c -> d' }] };
    expect(rules.compareWithBaseline(found, baseline)).toEqual({ fresh: [found[1]], gone: ['folder-cycle: c -> d'] });
  });

  it('passes on the repository as it is (the same check `npm test` runs)', () => {
    const root = path.join(__dirname, '..', '..');
    const output = execFileSync(process.execPath, [path.join(root, 'scripts', 'check-dependencies.js')], { cwd: root, encoding: 'utf8' });
    expect(output).toMatch(/no new violation/);
  });
});
