import { Inject, Injectable } from '@nestjs/common';
import { RELATA_CONFIG, type RelataConfig } from '../config/config';
import { CLOCK, type Clock } from '../shared/clock';
import type { CommandContext } from '../shared/decider/command-context';
import { BusinessRuleViolation, IdempotencyKeyReusedError, NotFoundError } from '../shared/errors/domain-errors';
import { EVENT_STORE, type EventStore, type NewEvent } from '../shared/event-store/event-store.port';
import { deterministicUuid } from '../shared/ids';
import { type Document, READ_STORE, type ReadStore } from '../shared/read-store/read-store.port';
import { type AccessKeyEvent, accessKeyStream } from './access-key.events';
import { apiKeyMatches, generateApiKey, hashApiKey, parseApiKey, type ParsedApiKey } from './api-key-format';
import { AuthenticationFailed } from './authentication-failed';
import { PrincipalCache } from './principal-cache';
import { isRole, type Principal, type Role } from './roles';

/**
 * Where API keys live: a collection of the read store written directly (like the webhook secrets),
 * not a projection, since the hash is deliberately kept out of the event log and a rebuild must
 * not drop it. Losing the read store loses the keys: restore it from backup, or start on an empty
 * one and a new bootstrap admin key is made.
 */
export const ACCESS_KEYS_COLLECTION = 'access_keys';

export interface AccessKeyDoc extends Document {
  prefix: string;
  name: string;
  roles: Role[];
  pii: boolean;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  /** Hex SHA-256 of the whole key (see api-key-format.ts for why a fast hash). */
  hash: string;
  /** Created with an Idempotency-Key: which key (hashed) and the request it came with. */
  idempotency?: { key: string; requestHash: string | null };
}

export type AccessKeyStatus = 'active' | 'expired' | 'revoked';

/** A key as the API shows it: never the key, never its hash. */
export interface AccessKeyView {
  id: string;
  prefix: string;
  name: string;
  roles: Role[];
  pii: boolean;
  status: AccessKeyStatus;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
}

export interface NewAccessKey {
  name: string;
  roles: Role[];
  pii: boolean;
  expiresAt: string | null;
}

/**
 * The one response that holds the key: it is not stored and cannot be shown again. A retry with
 * the same Idempotency-Key creates nothing and answers the key's view without it (replayed).
 */
export interface CreatedAccessKey extends AccessKeyView {
  key?: string;
  replayed: boolean;
}

const NO_HASH = '0'.repeat(64);
/** Keys in use at once are few (one per client or integration); a bound keeps unknown traffic from growing it. */
const PRINCIPAL_CACHE_ENTRIES = 10_000;

/** Key ids come from the prefix: no injected id is used, so creating keys shifts no other id. */
export function accessKeyId(prefix: string): string {
  return deterministicUuid(`access-key:${prefix}`);
}

@Injectable()
export class AccessKeyStore {
  constructor(
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RELATA_CONFIG) config: Pick<RelataConfig, 'principalCacheSeconds'>,
  ) {
    this.cache = new PrincipalCache(clock, { ttlMs: config.principalCacheSeconds * 1000, maxEntries: PRINCIPAL_CACHE_ENTRIES });
  }

  /** Stored keys by the hash of the whole key, so a cached entry is only ever found by the key itself. */
  private readonly cache: PrincipalCache<AccessKeyDoc>;

  private get keys() {
    return this.readStore.collection<AccessKeyDoc>(ACCESS_KEYS_COLLECTION);
  }

  async ensureIndexes(): Promise<void> {
    await this.readStore.ensureIndexes(ACCESS_KEYS_COLLECTION, [
      { keys: { prefix: 1 }, unique: true, name: 'access_keys_prefix' },
      { keys: { 'idempotency.key': 1 }, name: 'access_keys_idempotency' },
    ]);
  }

  /**
   * On a start that finds no key at all: stores the configured key, or generates one and returns
   * it to be shown once. Later starts (even after every key was revoked) do nothing.
   */
  async bootstrap(configuredKey: string | null, correlationId: string): Promise<{ created: boolean; generatedKey: string | null }> {
    await this.ensureIndexes();
    if ((await this.keys.count()) > 0) return { created: false, generatedKey: null };
    const key = configuredKey ? parseApiKey(configuredKey) : generateApiKey();
    if (key === null) throw new Error('the bootstrap admin key is malformed');
    await this.create(
      { name: 'bootstrap admin', roles: ['admin'], pii: false, expiresAt: null },
      { actor: 'system:bootstrap', correlationId, commandId: '' },
      key,
    );
    return { created: true, generatedKey: configuredKey ? null : key.key };
  }

  async create(input: NewAccessKey, context: CommandContext, key: ParsedApiKey = generateApiKey()): Promise<CreatedAccessKey> {
    const idempotency = context.idempotencyKey
      ? { key: hashApiKey(`idempotency:${context.idempotencyKey}`), requestHash: context.requestHash ?? null }
      : undefined;
    if (idempotency) {
      const earlier = (await this.keys.find({ 'idempotency.key': idempotency.key }, { limit: 1 })).items[0];
      if (earlier) {
        const sameRequest = earlier.createdBy === context.actor && earlier.idempotency?.requestHash === idempotency.requestHash;
        if (!sameRequest) throw new IdempotencyKeyReusedError();
        return { ...this.view(earlier), replayed: true };
      }
    }
    const id = accessKeyId(key.prefix);
    const now = this.clock.now().toISOString();
    const doc: AccessKeyDoc = {
      _id: id,
      prefix: key.prefix,
      name: input.name,
      roles: [...new Set(input.roles)],
      pii: input.pii,
      createdAt: now,
      createdBy: context.actor,
      expiresAt: input.expiresAt,
      revokedAt: null,
      revokedBy: null,
      hash: hashApiKey(key.key),
      ...(idempotency ? { idempotency } : {}),
    };
    // The event first: a key that works without its audit record would be worse than a record of
    // a key that never worked (if the second write fails).
    await this.append(
      id,
      {
        type: 'AccessKeyCreated',
        data: { keyId: id, prefix: key.prefix, name: doc.name, roles: doc.roles, pii: doc.pii, expiresAt: doc.expiresAt },
      },
      context,
      'no_stream',
    );
    await this.keys.replace(id, doc);
    return { ...this.view(doc), key: key.key, replayed: false };
  }

  async list(): Promise<AccessKeyView[]> {
    const views: AccessKeyView[] = [];
    for await (const doc of this.keys.findAll({}, { createdAt: 1 })) views.push(this.view(doc));
    return views;
  }

  /**
   * Revokes a key: at once in this process, and in every other one sharing the store within
   * RELATA_PRINCIPAL_CACHE_SECONDS (how long they believe what they read of a key). Revoking a revoked
   * key changes nothing. The last active admin key cannot be revoked: the API would lock itself out.
   */
  async revoke(id: string, context: CommandContext): Promise<AccessKeyView> {
    const doc = await this.keys.get(id);
    if (!doc) throw new NotFoundError('ACCESS_KEY_NOT_FOUND', `No API key with id ${id}`, { keyId: id });
    let current = doc;
    if (doc.revokedAt === null) {
      if (doc.roles.includes('admin') && this.statusOf(doc) === 'active' && !(await this.anotherActiveAdmin(id))) {
        throw new BusinessRuleViolation(
          'LAST_ADMIN_KEY',
          'This is the last active admin key: create another admin key before revoking it',
          { keyId: id },
        );
      }
      current = { ...doc, revokedAt: this.clock.now().toISOString(), revokedBy: context.actor };
      // The revocation takes effect first; the event follows (a retry appends it if it is missing).
      await this.keys.update(id, { $set: { revokedAt: current.revokedAt, revokedBy: current.revokedBy } });
    }
    this.cache.forget((cached) => cached._id === id);
    const recorded = await this.eventStore.readStream(accessKeyStream(id));
    if (!recorded.some((event) => event.type === 'AccessKeyRevoked')) {
      await this.append(id, { type: 'AccessKeyRevoked', data: { keyId: id, prefix: doc.prefix } }, context, 'any');
    }
    return this.view(current);
  }

  /** The principal an API key authenticates, or AuthenticationFailed. */
  async authenticate(presented: string): Promise<Principal> {
    const parsed = parseApiKey(presented);
    if (parsed === null) throw new AuthenticationFailed('the API key is malformed');
    const doc = this.cache.get(hashApiKey(presented)) ?? (await this.lookUp(presented, parsed));
    const status = this.statusOf(doc);
    if (status === 'revoked') throw new AuthenticationFailed('the API key was revoked');
    if (status === 'expired') throw new AuthenticationFailed('the API key has expired');
    return { subject: `key:${doc._id}`, roles: doc.roles.filter(isRole), pii: doc.pii === true, via: 'api-key', keyId: doc._id };
  }

  /** The stored key, or AuthenticationFailed; only keys that matched are cached, never a miss. */
  private async lookUp(presented: string, parsed: ParsedApiKey): Promise<AccessKeyDoc> {
    const doc = (await this.keys.find({ prefix: parsed.prefix }, { limit: 1 })).items[0];
    // Hash and compare even when no key has this prefix, so both cases take the same time.
    const matches = apiKeyMatches(presented, doc?.hash ?? NO_HASH);
    if (!doc || !matches) throw new AuthenticationFailed('the API key is not valid');
    this.cache.set(doc.hash, doc);
    return doc;
  }

  private async anotherActiveAdmin(exceptId: string): Promise<boolean> {
    for await (const other of this.keys.findAll({ roles: 'admin', revokedAt: null, _id: { $ne: exceptId } })) {
      if (this.statusOf(other) === 'active') return true;
    }
    return false;
  }

  private statusOf(doc: AccessKeyDoc): AccessKeyStatus {
    if (doc.revokedAt !== null) return 'revoked';
    if (doc.expiresAt !== null && doc.expiresAt <= this.clock.now().toISOString()) return 'expired';
    return 'active';
  }

  private view(doc: AccessKeyDoc): AccessKeyView {
    const { _id, prefix, name, roles, pii, createdAt, createdBy, expiresAt, revokedAt, revokedBy } = doc;
    return { id: _id, prefix, name, roles, pii, status: this.statusOf(doc), createdAt, createdBy, expiresAt, revokedAt, revokedBy };
  }

  private async append(
    keyId: string,
    event: AccessKeyEvent,
    context: CommandContext,
    expectedRevision: 'no_stream' | 'any',
  ): Promise<void> {
    const now = this.clock.now().toISOString();
    const eventId = deterministicUuid(`${accessKeyStream(keyId)}:${event.type}`);
    const newEvent: NewEvent = {
      id: eventId,
      type: event.type,
      data: event.data,
      metadata: {
        actor: context.actor,
        correlationId: context.correlationId,
        causationId: context.commandId || eventId,
        occurredAt: now,
        recordedAt: now,
        schemaVersion: 1,
      },
    };
    await this.eventStore.appendToStream(accessKeyStream(keyId), [newEvent], { expectedRevision });
  }
}
