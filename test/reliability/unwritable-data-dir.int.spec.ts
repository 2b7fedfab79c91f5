import { spawn, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Start-up on a data dir that cannot be written: the server must stop with a non-zero exit and
 * one line naming RELATA_DATA_DIR, the directory and the reason, not a stack trace.
 */

const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** The unprivileged user a root test run drops to, so that directory permissions apply. */
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

interface Exit {
  code: number | null;
  output: string;
}

async function runServer(dataDir: string, options: Pick<SpawnOptions, 'uid' | 'gid'> = {}): Promise<Exit> {
  const child = spawn(process.execPath, ['-r', path.join(REPO_ROOT, 'test/support/ts-register.js'), path.join(REPO_ROOT, 'src/main.ts')], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', RELATA_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // A server that did start would never exit on its own: stop it so the test fails instead of hanging.
  const guard = setTimeout(() => child.kill('SIGKILL'), 45_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(guard);
  return { code, output };
}

function expectOneClearLine(exit: Exit, dataDir: string, reason: RegExp): void {
  expect(exit.code).not.toBe(0);
  expect(exit.code).not.toBeNull();
  const lines = exit.output.split('\n').filter((line) => line.trim() !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain('Relata cannot start: RELATA_DATA_DIR');
  expect(lines[0]).toContain(dataDir);
  expect(lines[0]).toMatch(reason);
  expect(exit.output).not.toMatch(/\n\s+at /);
}

describe('a data dir that cannot be written', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-unwritable-'));

  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('under a regular file (ENOTDIR): exits non-zero with one line naming the directory', async () => {
    const file = path.join(root, 'not-a-directory');
    fs.writeFileSync(file, 'a file where the data dir should be');
    const dataDir = path.join(file, 'data');

    const exit = await runServer(dataDir);

    expectOneClearLine(exit, dataDir, /ENOTDIR/);
    expect(fs.readFileSync(file, 'utf8')).toBe('a file where the data dir should be');
  }, 60_000);

  it('a directory without write permission (chmod 0500): exits non-zero with one line naming the directory', async () => {
    // Root writes through any mode bits, so a root run starts the server as an unprivileged user.
    const dataDir = path.join(root, 'read-only');
    fs.mkdirSync(dataDir);
    const user = isRoot ? { uid: NOBODY, gid: NOBODY } : {};
    if (isRoot) {
      fs.chmodSync(root, 0o755);
      fs.chownSync(dataDir, NOBODY, NOBODY);
    }
    fs.chmodSync(dataDir, 0o500);

    const exit = await runServer(dataDir, user);

    expectOneClearLine(exit, dataDir, /EACCES|EPERM|EROFS/);
    expect(fs.readdirSync(dataDir)).toEqual([]);
  }, 60_000);
});
