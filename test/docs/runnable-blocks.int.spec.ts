import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lastBlockReached, pageScript, pagesWithRunnableBlocks, ranToTheEnd, runBash, runnableBlocks } from './runnable-blocks';

/** The docs test's own machinery: which examples run, and how a failure is pinned to its block. */
describe('runnable documentation blocks', () => {
  let root: string;

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-blocks-'));
    fs.mkdirSync(path.join(root, 'docs'));
    fs.writeFileSync(
      path.join(root, 'README.md'),
      ['# Title', '', '```sh', 'echo not marked', '```', '', '<!-- runnable -->', '```sh', 'X=1', 'echo one', '```', ''].join('\n'),
    );
    fs.writeFileSync(path.join(root, 'docs', 'mentions.md'), 'A page that only mentions `<!-- runnable -->` in its text.\n');
    fs.writeFileSync(path.join(root, 'docs', 'page.md'), ['<!-- runnable -->', '```bash', 'echo two', '```'].join('\n'));
  });

  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('takes only the blocks right after the marker, with the line of their fence', () => {
    expect(runnableBlocks(root, 'README.md')).toEqual([{ file: 'README.md', line: 8, code: 'X=1\necho one' }]);
  });

  it('lists the README first, then the docs pages that have a marked block', () => {
    expect(pagesWithRunnableBlocks(root)).toEqual(['README.md', 'docs/page.md']);
  });

  it('refuses a marker that is not followed by a shell block', () => {
    fs.writeFileSync(path.join(root, 'docs', 'broken.md'), '<!-- runnable -->\ntext\n');
    expect(() => runnableBlocks(root, 'docs/broken.md')).toThrow('docs/broken.md:1');
    fs.rmSync(path.join(root, 'docs', 'broken.md'));
  });

  it('runs the blocks in one shell, pointed at the test server, with npx relata replaced by the sources', async () => {
    const blocks = [
      { file: 'p.md', line: 3, code: 'X=42\necho "localhost:3000/customers"' },
      { file: 'p.md', line: 9, code: 'echo "x=$X"; npx relata --help' },
    ];
    const run = await runBash(pageScript(blocks, 'http://127.0.0.1:4567', 'echo fake-relata'), root, 10_000);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('http://127.0.0.1:4567/customers\nx=42\nfake-relata --help\n');
    expect(ranToTheEnd(run.stderr)).toBe(true);
  });

  it('stops at the first failing command and names the block it is in', async () => {
    const blocks = [
      { file: 'p.md', line: 3, code: 'echo first' },
      { file: 'p.md', line: 9, code: 'echo second\ncurl -sS --fail-with-body http://127.0.0.1:1/nothing\necho after' },
      { file: 'p.md', line: 15, code: 'echo never' },
    ];
    const run = await runBash(pageScript(blocks, 'http://127.0.0.1:1', 'true'), root, 10_000);
    expect(run.code).not.toBe(0);
    expect(ranToTheEnd(run.stderr)).toBe(false);
    expect(lastBlockReached(blocks, run.stderr)).toBe(blocks[1]);
    expect(run.stdout).toBe('first\nsecond\n');
  });
});
