import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectionsRebuildCli } from '../../src/cli/projections-rebuild';
import { startTestApp } from '../support/test-app';
import { dropTestStores, testStoreEnv } from '../support/test-stores';

/** `relata projections rebuild`, on the stores the environment selects (embedded, or EventStoreDB + MongoDB). */
describe('relata projections rebuild', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-rebuild-cli-'));
  afterAll(async () => {
    await dropTestStores(dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const io = () => {
    let out = '';
    let err = '';
    return {
      stdout: { isTTY: false, columns: 100, write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text) },
      env: { RELATA_DATA_DIR: dataDir, ...testStoreEnv(dataDir) },
      out: () => out,
      err: () => err,
    };
  };

  it('given customers in the read model, when customer-profile is rebuilt, then a new generation at the head serves them', async () => {
    const before = await startTestApp({}, { dataDir });
    const ids: string[] = [];
    let position = '';
    for (const name of ['Ana Lima', 'Bruno Costa']) {
      const created = await before.request('POST', '/customers', {
        name,
        email: `${name.split(' ')[0].toLowerCase()}@example.com`,
        kind: 'prospect',
        acquisitionChannel: 'web',
      });
      expect(created.status).toBe(201);
      ids.push(created.json.id as string);
      position = created.json.position as string;
    }
    expect((await before.request('GET', `/customers/${ids[1]}?minPosition=${position}`)).status).toBe(200);
    const generation = ((await before.request('GET', '/projections')).json.projections as Array<{ name: string; generation: number }>).find(
      (p) => p.name === 'customer-profile',
    )?.generation as number;
    await before.close();

    const cli = io();
    expect(await projectionsRebuildCli(['customer-profile'], cli)).toBe(0);
    expect(cli.out()).toContain(`customer-profile: v`);
    expect(cli.out()).toContain(`generation ${generation + 1} at position ${position}\n`);
    expect(cli.err()).toBe('');

    const after = await startTestApp({}, { dataDir });
    try {
      for (const id of ids) expect((await after.request('GET', `/customers/${id}?minPosition=${position}`)).status).toBe(200);
      const projections = (await after.request('GET', '/projections')).json.projections as Array<{
        name: string;
        generation: number;
        state: string;
      }>;
      expect(projections.find((p) => p.name === 'customer-profile')).toMatchObject({ generation: generation + 1 });
    } finally {
      await after.close();
    }
  });

  it('given an unknown projection, then it exits 2 with the usage and rebuilds nothing', async () => {
    const cli = io();
    expect(await projectionsRebuildCli(['no-such-projection'], cli)).toBe(2);
    expect(cli.err()).toMatch(/^Unknown projection "no-such-projection"/);
    expect(cli.err()).toContain('Usage: relata projections rebuild');
  });
});
