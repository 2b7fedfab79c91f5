import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { importCli, type ImportCliIo } from '../../src/cli/import';
import { dropTestStores, testStoreEnv } from '../support/test-stores';
import { sharedDataFile } from './import-test-support';

/** `npm run import -- KIND FILE`: exit codes, one-line messages, the summary, the bar only on a terminal. */
describe('npm run import', () => {
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-import-cli-'));
  });
  const dataDirs = new Set<string>();
  afterAll(async () => {
    for (const dataDir of dataDirs) await dropTestStores(dataDir);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The data dir, and the servers' stores of that dir when the environment names servers. */
  function storesFor(dataDir: string): Record<string, string> {
    dataDirs.add(dataDir);
    return { RELATA_DATA_DIR: dataDir, ...testStoreEnv(dataDir) };
  }

  function io(options: { tty?: boolean; dataDir?: string } = {}): ImportCliIo & { out: () => string; err: () => string } {
    let out = '';
    let err = '';
    return {
      stdout: { isTTY: options.tty ?? false, columns: 100, write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text) },
      env: storesFor(options.dataDir ?? path.join(dir, 'unused')),
      out: () => out,
      err: () => err,
    };
  }

  const cdnowFile = (): string => {
    const file = path.join(dir, 'two.txt');
    fs.writeFileSync(file, ' 00001 19970101  1   11.77\r\n 00002 19970112  1   12.00\r\n');
    return file;
  };

  it('an unknown kind: exit 2, naming the kinds', async () => {
    const streams = io();
    expect(await importCli(['cdnow', 'x.txt'], streams)).toBe(2);
    expect(streams.err()).toContain('Unknown kind "cdnow"; the kinds are cdnow-master, cdnow-sample, online-retail, cfpb');
    expect(streams.out()).toBe('');
  });

  it('missing arguments or a bad option: exit 2 with the usage', async () => {
    const streams = io();
    expect(await importCli(['cfpb'], streams)).toBe(2);
    expect(streams.err()).toMatch(/^Cannot import: Give a KIND and a FILE\nUsage: npm run import -- KIND FILE/);
    expect(await importCli(['cfpb', 'f.csv', '--limit', '0'], io())).toBe(2);
    expect(await importCli(['cfpb', 'f.csv', '--fast'], io())).toBe(2);
  });

  it('a missing file: exit 1 with one line', async () => {
    const streams = io();
    const missing = path.join(dir, 'nope.csv');
    expect(await importCli(['cfpb', missing], streams)).toBe(1);
    expect(streams.err()).toBe(`Cannot import: no file ${missing}\n`);
  });

  it('a file that is not of the kind: exit 1 with one line saying why', async () => {
    const streams = io({ dataDir: path.join(dir, 'format') });
    const file = sharedDataFile('online-retail', 'online_retail_sample.csv');
    expect(await importCli(['cfpb', file], streams)).toBe(1);
    const lines = streams.err().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Cannot import .*online_retail_sample\.csv as cfpb: Not a CFPB complaint export/);
  });

  it('imports, prints the summary with the command rate, and no progress bar when stdout is not a terminal', async () => {
    const streams = io({ dataDir: path.join(dir, 'plain') });
    expect(await importCli(['cdnow-master', cdnowFile()], streams)).toBe(0);
    const out = streams.out();
    expect(out).toContain('Import cdnow-master: 2 rows read, 2 records, 2 imported, 0 skipped, 0 duplicates');
    expect(out).toContain('Customers: 2 registered, 0 already registered');
    expect(out).toMatch(/4 commands in \d+\.\d s: [\d,]+ commands\/s/);
    expect(out).toMatch(/Read models up to date in \d+\.\d s/);
    expect(out).not.toContain('\r');
    expect(streams.err()).toBe('');
  });

  it('on a terminal, draws the progress bar before the summary; a rerun imports nothing new', async () => {
    const dataDir = path.join(dir, 'tty');
    const first = io({ tty: true, dataDir });
    expect(await importCli(['cdnow-master', cdnowFile()], first)).toBe(0);
    // The bar: carriage return, the line, erase to its end ("ESC [ K"), then a newline before the summary.
    const erase = '\u001b[K';
    expect(first.out().startsWith('\r[####################] 100% ')).toBe(true);
    expect(first.out()).toContain(`${erase}\nImport cdnow-master`);

    const again = io({ dataDir });
    expect(await importCli(['cdnow-master', cdnowFile()], again)).toBe(0);
    expect(again.out()).toContain('2 records, 0 imported, 0 skipped, 2 duplicates');
    expect(again.out()).toContain('already-imported: 2');
  });

  it('with --limit on a terminal, the bar counts records against the limit (the file is read further than the limit)', async () => {
    const file = path.join(dir, 'four.txt');
    fs.writeFileSync(
      file,
      [' 00001 19970101  1   11.77', ' 00002 19970112  1   12.00', ' 00003 19970113  1   9.00', ' 00004 19970114  1   8.00', ''].join(
        '\r\n',
      ),
    );
    const streams = io({ tty: true, dataDir: path.join(dir, 'limited') });
    expect(await importCli(['cdnow-master', file, '--limit', '2'], streams)).toBe(0);
    const draws = streams.out().split('\n')[0].split('\r').filter(Boolean);
    expect(draws.length).toBeGreaterThan(0);
    for (const draw of draws) {
      const shown = /\] +(\d+)% (\d+)\/2 records/.exec(draw);
      expect(shown).not.toBeNull();
      expect(Number(shown![1])).toBe(Math.floor((Number(shown![2]) / 2) * 100));
    }
    expect(draws[draws.length - 1]).toContain('[####################] 100% 2/2 records');
    expect(streams.out()).toContain('Stopped after 2 records (--limit)');
  });
});
