import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { relata } from '../../src/cli/relata';
import { CampaignLauncher, LaunchInterruptedError } from '../../src/campaigns/campaign-launcher';
import { formatPosition } from '../../src/shared/event-store/event-store.port';
import { startTestApp, type TestApp } from '../support/test-app';
import { dropTestStores, testStoreEnv } from '../support/test-stores';

jest.setTimeout(300_000);

/**
 * A launch that dies half way continues where it stopped: a launch through the port is stopped
 * after its first batch of members (as a process killed between two appends would leave it),
 * then `relata campaigns launch` finishes it with a progress bar, and a second run appends nothing.
 * Every member ends up targeted once, with one suggestion each, and the control group is the seeded one.
 */
describe('relata campaigns launch resumes a launch that stopped half way', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-campaign-cli-'));
  const customers: string[] = [];
  let campaignId: string;
  let t: TestApp | null = null;

  const cliIo = () => {
    let out = '';
    let err = '';
    return {
      stdout: { isTTY: true, columns: 120, write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text) },
      env: { RELATA_DATA_DIR: dataDir, ...testStoreEnv(dataDir) },
      out: () => out,
      err: () => err,
    };
  };

  beforeAll(async () => {
    t = await startTestApp({}, { dataDir });
    for (let i = 0; i < 150; i++) {
      const created = await t.request('POST', '/customers', { name: `Customer ${i}`, kind: 'customer', acquisitionChannel: 'web' });
      expect(created.status).toBe(201);
      customers.push(created.json.id);
    }
    // A prospect is not a target of a filter on customers.
    expect((await t.request('POST', '/customers', { name: 'Just looking', kind: 'prospect' })).status).toBe(201);
    const campaign = await t.request('POST', '/campaigns', {
      name: 'Spring upgrade',
      target: { kind: 'filter', status: 'customer' },
      action: { kind: 'suggestion', product: 'Premium plan', expectedValue: 49.9 },
      owner: 'sales-team',
      // Far in the future: the CLI runs on the wall clock, and suggestions must expire after it.
      window: { start: '2026-03-10T00:00:00Z', end: '2099-12-31T00:00:00Z' },
      controlFraction: 0.25,
      controlSeed: 'spring',
    });
    expect(campaign.status).toBe(201);
    campaignId = campaign.json.id;
  });
  afterAll(async () => {
    await t?.close();
    await dropTestStores(dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops after the first batch, then the CLI finishes it, and a rerun appends nothing', async () => {
    const app = t!;
    const stop = new AbortController();
    const interrupted = app.app
      .get(CampaignLauncher)
      .launch(
        campaignId,
        { actor: 'test', correlationId: 'c-1', commandId: '' },
        (progress) => progress.targeted > 0 && stop.abort(),
        stop.signal,
      );
    await expect(interrupted).rejects.toBeInstanceOf(LaunchInterruptedError);
    // Read after the last append: the projection may lag.
    const partial = await app.request('GET', `/campaigns/${campaignId}?minPosition=${formatPosition(await app.eventStore.headPosition())}`);
    expect(partial.status).toBe(200);
    expect(partial.json).toMatchObject({ status: 'launching', selected: 150 });
    expect(partial.json.treatment + partial.json.control).toBe(100);
    // Closing is refused while the launch is unfinished, and appends nothing.
    const before = await app.eventCount();
    const close = await app.request('POST', `/campaigns/${campaignId}/close`);
    expect({ status: close.status, code: close.json.code }).toEqual({ status: 422, code: 'CAMPAIGN_LAUNCH_IN_PROGRESS' });
    expect(await app.eventCount()).toBe(before);
    await app.close();
    t = null;

    const resumed = cliIo();
    expect(await relata(['campaigns', 'launch', campaignId], resumed)).toBe(0);
    expect(resumed.err()).toBe('');
    expect(resumed.out()).toContain('100%');
    expect(resumed.out()).toContain('150/150');
    expect(resumed.out()).toContain('100 already imported');
    expect(resumed.out()).toContain(`Campaign ${campaignId} launched: 150 members (112 treatment, 38 control)`);

    const rerun = cliIo();
    expect(await relata(['campaigns', 'launch', campaignId], rerun)).toBe(0);
    expect(rerun.out()).toContain('was already launched: 150 members (112 treatment, 38 control); nothing appended');

    t = await startTestApp({}, { dataDir });
    const head = formatPosition(await t.eventStore.headPosition());
    const campaign = await t.request('GET', `/campaigns/${campaignId}?minPosition=${head}`);
    expect(campaign.json).toMatchObject({ status: 'launched', selected: 150, treatment: 112, control: 38 });
    const members = (await t.request('GET', `/campaigns/${campaignId}/members?limit=1000`)).json.items as Record<string, any>[];
    expect(members.map((m) => m.customerId).sort()).toEqual([...customers].sort());
    // One targeting event per member on the campaign stream, whatever the number of runs.
    const stream = await t.eventStore.readStream(`campaign-${campaignId}`);
    expect(stream.filter((e) => e.type === 'CampaignMemberTargeted')).toHaveLength(150);
    expect(stream.map((e) => e.type).filter((type) => type !== 'CampaignMemberTargeted')).toEqual([
      'CampaignCreated',
      'CampaignLaunchStarted',
      'CampaignLaunched',
    ]);
    // Each treatment member got the suggestion once; control members none.
    for (const member of members) {
      const profile = await t.request('GET', `/customers/${member.customerId}?minPosition=${head}`);
      const suggestions = (profile.json.suggestions as { suggestionId: string }[]).map((s) => s.suggestionId);
      expect({ group: member.group, suggestions }).toEqual({
        group: member.group,
        suggestions: member.group === 'treatment' ? [member.suggestionId] : [],
      });
    }
  });

  it('refuses a usage error with exit code 2', async () => {
    const io = cliIo();
    expect(await relata(['campaigns', 'launch', 'not-a-uuid'], io)).toBe(2);
    expect(io.err()).toContain('Usage: relata campaigns launch');
  });
});
