import { Inject, Injectable } from '@nestjs/common';
import { READ_STORE, type Document, type ReadStore } from '../shared/read-store/read-store.port';

/**
 * Where webhook signing secrets live: a collection of the read store written directly by the
 * subscribe/unsubscribe handlers, NOT the event log and NOT a projection.
 *
 * Why not in the WebhookSubscribed event: events are immutable, exported and kept for audit; a
 * secret written there could never be revoked or erased, and every reader of the log (exports,
 * backups, EventStoreDB users, projections) would hold it. Encrypting it in the event would tie
 * the log to a key that must then be kept and rotated forever. Here it can be deleted when the
 * webhook is removed, and no GET route reads this collection.
 *
 * Why not a projection collection: a projection can only derive what the events hold, and a
 * rebuild drops its collections. The price: the secrets are not in the event log, so if the read
 * store is lost they are too, and the departments must subscribe again (new secret). Protect the
 * read store (MongoDB credentials / the data dir) accordingly.
 */
export const WEBHOOK_SECRETS_COLLECTION = 'webhook-secrets';

interface WebhookSecretDoc extends Document {
  departmentId: string;
  secret: string;
  createdAt: string;
}

@Injectable()
export class WebhookSecrets {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  private get collection() {
    return this.readStore.collection<WebhookSecretDoc>(WEBHOOK_SECRETS_COLLECTION);
  }

  /**
   * Stores the secret unless the webhook already has one (a retried request keeps the first).
   * Returns the secret in force and whether this call stored it.
   */
  async put(webhookId: string, departmentId: string, secret: string, now: string): Promise<{ secret: string; created: boolean }> {
    const existing = await this.collection.get(webhookId);
    if (existing) return { secret: existing.secret, created: false };
    await this.collection.update(webhookId, { $setOnInsert: { departmentId, secret, createdAt: now } }, { upsert: true });
    const stored = await this.collection.get(webhookId);
    return { secret: stored?.secret ?? secret, created: stored?.secret === secret };
  }

  async get(webhookId: string): Promise<string | null> {
    return (await this.collection.get(webhookId))?.secret ?? null;
  }

  async delete(webhookId: string): Promise<void> {
    await this.collection.delete(webhookId);
  }
}
