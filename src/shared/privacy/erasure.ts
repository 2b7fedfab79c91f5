import { Inject, Injectable } from '@nestjs/common';
import { type KernelConfig, RELATA_CONFIG } from '../settings';
import { CommandProcessor } from '../decider/command-processor';
import type { Position } from '../event-store/event-store.port';
import { type ProjectionDefinition, PROJECTIONS } from '../projections/projection';
import { ProjectionRunner } from '../projections/projection-runner';
import { type Projector, PROJECTOR } from '../projections/projector';
import { READ_STORE, type ReadStore } from '../read-store/read-store.port';
import { KEY_STORE, type KeyStore } from './key-store.port';
import { isCheckpointable } from './residue';

export interface ErasureOutcome {
  /** True when this call deleted the key (false: it was already deleted, or never existed). */
  keyDeleted: boolean;
  /** True when every projection had applied the erasure before the stores were checkpointed. */
  readModelsUpdated: boolean;
}

/**
 * A holder of copies of personal data that no projection derives and no key deletion reaches
 * (e.g. the webhook delivery log, in-memory buffers). Features register one with Erasure.
 */
export interface ErasureParticipant {
  /** Erases (or drops) every copy of the subject's personal data it holds. Called after the key is deleted and the read models have caught up. */
  eraseSubject(subjectId: string): Promise<void>;
}

/**
 * Crypto-shredding of one data subject, once the feature has recorded that they are forgotten
 * (e.g. CustomerForgotten):
 * 1. the subject's data key is deleted: their personal fields now read as "[erased]" everywhere,
 *    in the event store, the change feed and every rebuild; the command processor forgets the
 *    states it folded from them in clear, and the projection runner the log pages it keeps;
 * 2. it waits (bounded by RELATA_CONSISTENCY_TIMEOUT_MS) until every projection has applied the
 *    event, so the read models have replaced their copies;
 * 3. every registered participant erases the copies it holds outside the read models;
 * 4. the embedded read store and key store checkpoint their WAL, so the overwritten page images
 *    leave the files too. The event store is not checkpointed: it never held the plaintext.
 *
 * Safe to repeat: a retried forget deletes nothing more, erases again and checkpoints again.
 */
@Injectable()
export class Erasure {
  private readonly participants: ErasureParticipant[] = [];

  constructor(
    @Inject(KEY_STORE) private readonly keys: KeyStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(PROJECTIONS) private readonly projections: ProjectionDefinition[],
    private readonly runner: ProjectionRunner,
    @Inject(RELATA_CONFIG) private readonly config: KernelConfig,
    private readonly processor: CommandProcessor,
    @Inject(PROJECTOR) private readonly projector: Projector,
  ) {}

  /** Adds a holder of copies to erase at every forget (features call it when their module starts). */
  register(participant: ErasureParticipant): void {
    if (!this.participants.includes(participant)) this.participants.push(participant);
  }

  async forgetSubject(subjectId: string, recordedAt: Position | null): Promise<ErasureOutcome> {
    const keyDeleted = await this.keys.delete(subjectId);
    this.processor.forgetCachedStates();
    // Where the projections run (this process's projector thread has its own key cache and log pages).
    await this.projector.eraseSubject(subjectId);
    let readModelsUpdated = true;
    if (recordedAt !== null) {
      const reached = await Promise.all(
        this.projections.map((p) => this.runner.waitForPosition(p.name, recordedAt, this.config.consistencyTimeoutMs)),
      );
      readModelsUpdated = reached.every(Boolean);
    }
    for (const participant of this.participants) await participant.eraseSubject(subjectId);
    for (const store of [this.readStore, this.keys]) {
      if (isCheckpointable(store)) await store.checkpoint();
    }
    return { keyDeleted, readModelsUpdated };
  }
}
