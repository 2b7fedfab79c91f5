import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type ChildServer, startChildServer } from '../support/child-server';
import { lastBlockReached, pageScript, pagesWithRunnableBlocks, ranToTheEnd, runBash, runnableBlocks } from './runnable-blocks';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const PAGES = pagesWithRunnableBlocks(REPO_ROOT);
/** The pages a new user is sent to first: each must keep runnable examples, so this test can never pass empty. */
const HOW_TO_PAGES = ['README.md', 'docs/integrators.md', 'docs/integrators-complaints.md', 'docs/analysts.md', 'docs/auditors.md'];

/**
 * The README's quick start and the how-to pages, run as written against a real server: the shell
 * blocks marked `<!-- runnable -->` (see runnable-blocks.ts), page by page in one working
 * directory, as a reader would paste them. Dates in the examples are computed from now by the
 * examples themselves, so they never fall into the past.
 */
describe('documentation examples', () => {
  let workDir: string;
  let server: ChildServer;

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-docs-'));
    // The examples use paths of a checkout (samples/...): the working directory offers the same.
    fs.symlinkSync(path.join(REPO_ROOT, 'samples'), path.join(workDir, 'samples'));
    // No bootstrap key configured: the server generates one and prints it, as on a reader's first start.
    // The examples check what the reader sees, not how fast: on a CI machine running other suites a
    // read right after a segmentation run of thousands of events may wait longer than the default
    // 5 s for its read model, which would answer 503 READ_MODEL_NOT_CAUGHT_UP instead.
    server = await startChildServer({
      dataDir: path.join(workDir, 'data'),
      env: { RELATA_BOOTSTRAP_ADMIN_KEY: '', RELATA_CONSISTENCY_TIMEOUT_MS: '30000' },
      readyTimeoutMs: 60_000,
    });
  }, 90_000);

  afterAll(async () => {
    await server?.kill('SIGTERM');
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('the first start prints the admin key once, says it is for admin routes, and gives the command that makes the other keys', () => {
    const output = server.output();
    expect(output).toMatch(/generated an admin key[^\n]*\n {2}rk_[A-Za-z0-9]{8}_[A-Za-z0-9]{32}\n/);
    expect(output).toContain('admin routes only');
    expect(output).toContain('npx relata init');
  });

  it('the quick start and every how-to page have runnable examples, which address only the local server', () => {
    expect(PAGES).toEqual(expect.arrayContaining(HOW_TO_PAGES));
    for (const page of PAGES) {
      for (const block of runnableBlocks(REPO_ROOT, page)) {
        const where = `${page}:${block.line}`;
        const addressed = [...block.code.matchAll(/https?:\/\/([^\s'"/]+)|\b(localhost(?::\d+)?)/g)].map((match) => match[1] ?? match[2]);
        for (const host of addressed) expect(`${where} ${host}`).toBe(`${where} localhost:3000`);
      }
    }
  });

  it.each(PAGES)('%s: every runnable example succeeds as written', async (page) => {
    const blocks = runnableBlocks(REPO_ROOT, page);
    const cli = `node -r ${path.join(REPO_ROOT, 'test/support/ts-register.js')} ${path.join(REPO_ROOT, 'src/cli/relata.ts')}`;
    const run = await runBash(pageScript(blocks, server.url, cli), workDir, 480_000);
    if (process.env.DOCS_EXAMPLES_OUTPUT === '1') process.stdout.write(`${page}\n${run.stdout}\n`);
    if (run.code !== 0 || !ranToTheEnd(run.stderr)) {
      const failed = lastBlockReached(blocks, run.stderr);
      const where = failed ? `${failed.file}:${failed.line}` : page;
      throw new Error(
        `The example at ${where} failed (exit code ${run.code}):\n${failed?.code ?? ''}\n--- stdout (end) ---\n${run.stdout.slice(-3000)}\n--- stderr (end) ---\n${run.stderr.slice(-3000)}`,
      );
    }
  }, 600_000);
});
