import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Erasure, type ErasureParticipant } from '../shared/privacy/erasure';
import { READ_STORE, type ReadStore } from '../shared/read-store/read-store.port';
import { ProjectionRunner } from '../shared/projections/projection-runner';
import { DEPARTMENT_WEBHOOKS_PROJECTION, OUTBOX_COLLECTION, type OutboxDoc } from './department-webhooks.projection';
import { erasedWebhookBody } from './webhook-body-erasure';
import { type DeliveryDoc, WEBHOOK_DELIVERIES_COLLECTION, WebhookDispatcher } from './webhook-dispatcher';

/**
 * Forget reaches the webhook delivery log: the bodies of the forgotten customer's deliveries, sent
 * or not, are rewritten with their personal fields erased. Pending ones then go out in that form
 * (the receiver still learns that the complaint moved on, not what it said). Runs between dispatcher
 * passes, after the projection has erased its outbox, so no attempt sends a body read before.
 *
 * What was already delivered stays with the receiver: that copy is the receiver's to erase
 * (docs/security-model.md).
 */
@Injectable()
export class WebhookErasure implements ErasureParticipant, OnModuleInit {
  constructor(
    private readonly erasure: Erasure,
    private readonly dispatcher: WebhookDispatcher,
    private readonly runner: ProjectionRunner,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
  ) {}

  onModuleInit(): void {
    this.erasure.register(this);
  }

  eraseSubject(subjectId: string): Promise<void> {
    return this.dispatcher.betweenPasses(async () => {
      const deliveries = this.readStore.collection<DeliveryDoc>(WEBHOOK_DELIVERIES_COLLECTION);
      // Deliveries share their outbox document's id. Those taken over before the outbox named its
      // subject (version 1) are found through the outbox, which its rebuild filled in.
      const paths = new Map<string, readonly string[]>();
      for await (const doc of this.runner.collection<OutboxDoc>(DEPARTMENT_WEBHOOKS_PROJECTION, OUTBOX_COLLECTION).findAll({ subjectId })) {
        paths.set(doc._id, doc.personalPaths);
      }
      for await (const doc of deliveries.findAll({ subjectId })) paths.set(doc._id, doc.personalPaths ?? []);
      for (const [id, personalPaths] of paths) {
        const doc = await deliveries.get(id);
        if (doc === null) continue;
        const body = erasedWebhookBody(doc.body, personalPaths);
        if (body !== doc.body) await deliveries.update(id, { $set: { body } });
      }
    });
  }
}
