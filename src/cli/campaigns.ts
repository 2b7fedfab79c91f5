import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { CampaignLauncher, LaunchInterruptedError, type LaunchProgress } from '../campaigns/campaign-launcher';
import { type ImportProgress, ProgressBar } from '../importers/progress-bar';
import { RelataError } from '../shared/errors/domain-errors';
import { type CliIo, configOrExplain } from './cli-io';

export const CAMPAIGNS_USAGE = `Usage: relata campaigns launch CAMPAIGN_ID

Launches a campaign created with POST /campaigns: selects its members as of the target date,
holds out the control group (seeded) and records one CampaignMemberTargeted per member, with a
progress bar on a terminal. A launch that stopped half way (a crash, Ctrl-C) continues where it
stopped when run again; a finished one appends nothing. Uses the server's configuration
(RELATA_DATA_DIR, EVENTSTORE_URL, MONGODB_URL).

Exit code 0 when the campaign is launched; 1 when it is refused (the code says why), interrupted
or a store fails; 2 for a usage error.

Examples:
  relata campaigns launch 3f1c2b9e-8a47-4d2f-9c1e-5b6a7d8e9f01`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The launch's progress in the import bar's terms: members are its records, those targeted by an earlier run "already imported". */
function asBarProgress(progress: LaunchProgress): ImportProgress {
  return {
    bytesRead: 0,
    totalBytes: null,
    records: progress.targeted,
    recordLimit: progress.total,
    imported: progress.targeted - progress.alreadyTargeted,
    alreadyImported: progress.alreadyTargeted,
    skipped: 0,
    duplicates: 0,
    commands: progress.commands,
    elapsedMs: progress.elapsedMs,
  };
}

/** `relata campaigns launch ID`; resolves to the exit code. */
export async function campaignsCli(argv: string[], io: CliIo): Promise<number> {
  const out = (line: string): void => void io.stdout.write(`${line}\n`);
  const err = (line: string): void => void io.stderr.write(`${line}\n`);
  const [sub, id, ...extra] = argv;
  if (sub !== 'launch' || id === undefined || extra.length > 0 || !UUID.test(id)) {
    err(sub !== 'launch' ? 'Give a subcommand: launch' : 'Give one campaign id (a uuid)');
    err(CAMPAIGNS_USAGE);
    return 2;
  }
  const loaded = configOrExplain(io.env, 'launch', err);
  if (loaded === null) return 1;
  const config = { ...loaded, slaSchedulerEnabled: false, webhookDispatcherEnabled: false };
  const app = await NestFactory.createApplicationContext(AppModule.register({ config }), {
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  const bar = ProgressBar.forOutput(io.stdout);
  let latest: ImportProgress | null = null;
  // Ctrl-C stops after the batch under way: what is recorded stays, and the next launch continues.
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    const onProgress = (progress: LaunchProgress): void => {
      latest = asBarProgress(progress);
      bar?.update(latest);
    };
    const result = await app
      .get(CampaignLauncher)
      .launch(id, { actor: 'cli:campaigns-launch', correlationId: randomUUID(), commandId: '' }, onProgress, abort.signal);
    if (bar && latest !== null) bar.finish(latest);
    out(
      result.appended === 0
        ? `Campaign ${id} was already launched: ${result.members} members (${result.treatment} treatment, ${result.control} control); nothing appended`
        : `Campaign ${id} launched: ${result.members} members (${result.treatment} treatment, ${result.control} control) selected as of ${result.selectedAsOf}; ${result.appended} events appended`,
    );
    return 0;
  } catch (error) {
    if (bar?.active && latest !== null) bar.finish(latest);
    if (error instanceof LaunchInterruptedError) {
      err(error.message);
      return 1;
    }
    if (error instanceof RelataError) {
      err(`Cannot launch: ${error.code}: ${error.message}`);
      return 1;
    }
    err(`Launch failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
    await app.close();
  }
}
