import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultSeedFiles, defaultSharedDataDir, formatSeedSummary, seed } from '../../src/cli/seed';
import { relata } from '../../src/cli/relata';
import { loadConfig } from '../../src/config/config';
import { captureIo } from './cli-capture';

jest.setTimeout(120_000);

describe('seed', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-seed-'));
  });

  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('imports a small subset of both samples, segments and fits CLV; a rerun appends nothing', async () => {
    const files = defaultSeedFiles(defaultSharedDataDir()).map((file) => ({ ...file, limit: file.kind === 'cfpb' ? 20 : 60 }));
    const config = loadConfig({ RELATA_DATA_DIR: dataDir });

    const first = await seed({ config, files, io: captureIo() });
    const [cdnow, cfpb] = first.imports.map((entry) => entry.result.progress);
    expect(cdnow.imported).toBeGreaterThan(0);
    expect(cfpb.imported).toBeGreaterThan(0);
    expect(first.segmentation.replayed).toBe(false);
    expect(first.segmentation.customersScored.rfm).toBeGreaterThan(0);
    expect(Object.values(first.segmentation.segments.rfm).reduce((a, b) => a + b, 0)).toBe(first.segmentation.customersScored.rfm);
    expect(first.clv.replayed).toBe(false);
    expect(first.clv.model.calibrationEnd).toBe('1997-09-30');
    expect(first.clv.model.bgnbd.r).toBeGreaterThan(0);
    expect(first.eventsAppended).toBeGreaterThan(0);
    const summary = formatSeedSummary(first).join('\n');
    expect(summary).toContain('RFM:');
    expect(summary).toContain('BG/NBD r=');

    const again = await seed({ config, files, io: captureIo() });
    expect(again.eventsAppended).toBe(0);
    expect(again.imports.map((entry) => entry.result.progress.imported)).toEqual([0, 0]);
    expect(again.segmentation.replayed).toBe(true);
    expect(again.clv.replayed).toBe(true);
    expect(again.clv.model.bgnbd.r).toBe(first.clv.model.bgnbd.r);
  });

  it('reports a data folder without the samples, with exit code 1', async () => {
    const io = captureIo({ RELATA_DATA_DIR: dataDir });
    expect(await relata(['seed', path.join(dataDir, 'nowhere')], io)).toBe(1);
    expect(io.err()).toContain('CDNOW_sample.txt');
  });
});
