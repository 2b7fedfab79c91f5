import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { relata } from '../../src/cli/relata';
import { startTestApp, type TestApp } from '../support/test-app';
import { captureIo } from './cli-capture';

/** The variables `relata init` writes, as a shell would read them (`export NAME=value` lines). */
function variablesIn(file: string): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const match = /^export ([A-Z_]+)=(\S+)$/.exec(line);
    if (match) variables[match[1]] = match[2];
  }
  return variables;
}

describe('relata init', () => {
  let t: TestApp;
  let dir: string;

  beforeAll(async () => {
    t = await startTestApp();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-init-'));
  });

  afterAll(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({ RELATA_DATA_DIR: t.dataDir });

  it('creates one key per role and writes them to a file only the user can read, printing no key', async () => {
    const file = path.join(dir, 'keys.env');
    const io = captureIo(env());
    expect(await relata(['init', '--out', file], io)).toBe(0);

    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const keys = variablesIn(file);
    expect(Object.keys(keys).sort()).toEqual([
      'RELATA_ADMIN_KEY',
      'RELATA_AGENT_KEY',
      'RELATA_ANALYST_KEY',
      'RELATA_AUDITOR_KEY',
      'RELATA_SUPERVISOR_KEY',
    ]);
    for (const key of Object.values(keys)) expect(io.out()).not.toContain(key);
    expect(io.out()).toContain(`. ${file}`);

    // Each key opens the routes of its role over HTTP at once, and only those.
    const as = (variable: string) => ({ auth: keys[variable] });
    expect((await t.request('POST', '/customers', { name: 'Ana Lima', kind: 'prospect' }, {}, as('RELATA_AGENT_KEY'))).status).toBe(201);
    expect((await t.request('POST', '/departments', { name: 'Billing' }, {}, as('RELATA_SUPERVISOR_KEY'))).status).toBe(201);
    expect((await t.request('GET', '/analytics/segments', undefined, {}, as('RELATA_ANALYST_KEY'))).status).toBe(200);
    expect((await t.request('GET', '/audit/feed', undefined, {}, as('RELATA_AUDITOR_KEY'))).status).toBe(200);
    expect((await t.request('GET', '/admin/keys', undefined, {}, as('RELATA_ADMIN_KEY'))).status).toBe(200);
    expect((await t.request('POST', '/customers', { name: 'X', kind: 'prospect' }, {}, as('RELATA_ANALYST_KEY'))).status).toBe(403);
  });

  it('refuses to overwrite an existing file and makes no key; --force replaces it, still mode 0600', async () => {
    const file = path.join(dir, 'existing.env');
    fs.writeFileSync(file, 'export RELATA_AGENT_KEY=mine\n', { mode: 0o644 });
    const keysBefore = (await t.request('GET', '/admin/keys', undefined, {}, { auth: t.adminKey })).json.items.length as number;

    const refused = captureIo(env());
    expect(await relata(['init', '--out', file], refused)).toBe(1);
    expect(refused.err()).toContain(`${file} exists`);
    expect(fs.readFileSync(file, 'utf8')).toBe('export RELATA_AGENT_KEY=mine\n');
    expect((await t.request('GET', '/admin/keys', undefined, {}, { auth: t.adminKey })).json.items).toHaveLength(keysBefore);

    expect(await relata(['init', '--out', file, '--force'], captureIo(env()))).toBe(0);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(variablesIn(file).RELATA_AGENT_KEY).toMatch(/^rk_/);
  });

  it('a bad option: exit 2 with the usage', async () => {
    const io = captureIo(env());
    expect(await relata(['init', '--roles', 'agent'], io)).toBe(2);
    expect(io.err()).toContain('Usage: relata init');
  });
});
