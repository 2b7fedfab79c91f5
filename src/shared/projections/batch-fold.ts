import type {
  Collection,
  Document,
  Filter,
  FindOptions,
  Page,
  ReadStoreTransaction,
  SortSpec,
  Update,
  UpdateOptions,
} from '../read-store/read-store.port';
import { applyUpdate, cloneValue, isOperatorUpdate, replacementDocument } from '../read-store/mongo-update';
import type { BudgetMeter } from './budget-meter';

/**
 * Folds one batch of events into the documents they touch, in memory: a document is read at most
 * once per batch, every event of the batch is applied to the copy held here, and each touched
 * document is written once when the batch commits (flush), inside the runner's checkpointed
 * transaction. The checkpoint guards the batch, so no write needs the store's per-document
 * position guard (a SELECT per write); the guard's rule is kept in memory instead: a write whose
 * event position is not after the document's `_position` changes nothing, as before.
 *
 * Queries (find, findAll, count, deleteMany) first write this collection's pending documents, so
 * they see everything the batch did so far. Collections with a unique index are written through
 * at once, so a duplicate fails the event that caused it (and can be parked), not the batch.
 */
export class BatchFold {
  private readonly collections = new Map<string, FoldedCollection>();
  private position = '';
  /** Documents written to the store (for measurements and tests of the write path). */
  writes = 0;
  /** A handler queried a collection (find, findAll, count, deleteMany). */
  queried = false;

  constructor(
    private readonly tx: ReadStoreTransaction,
    private readonly spent: BudgetMeter,
    /** Called before the batch's first query; may throw to abandon the batch (the runner then builds indexes). */
    private readonly beforeFirstQuery: () => void = () => undefined,
  ) {}

  /** Before a handler's query. */
  query(): void {
    if (!this.queried) {
      this.queried = true;
      this.beforeFirstQuery();
    }
  }

  /** The position (decimal string) of the event being applied: stamped as `_position` on what it writes. */
  at(position: string): void {
    this.position = position;
  }

  currentPosition(): string {
    return this.position;
  }

  collection<T extends Document = Document>(physicalName: string, writeThrough: boolean): Collection<T> {
    let folded = this.collections.get(physicalName);
    if (folded === undefined) {
      folded = new FoldedCollection(this, this.tx.collection(physicalName), this.spent, writeThrough);
      this.collections.set(physicalName, folded);
    }
    return folded as unknown as Collection<T>;
  }

  /** Writes every document the batch changed and not yet written. */
  async flush(): Promise<void> {
    for (const folded of this.collections.values()) await folded.flush();
  }
}

interface Entry {
  /** The document as the batch left it; null: absent (never existed, or deleted). */
  doc: Document | null;
  dirty: boolean;
}

/** Positions are decimal strings of bigints: longer is larger, equal lengths compare as text. */
function positionAllows(incoming: string, stored: unknown): boolean {
  if (typeof stored !== 'string') return true;
  if (incoming.length !== stored.length) return incoming.length > stored.length;
  return incoming > stored;
}

function copyOf<T extends Document>(doc: Document): T {
  return cloneValue(doc) as T;
}

class FoldedCollection implements Collection<Document> {
  private readonly entries = new Map<string, Entry>();
  /** Ids of the entries not yet written: a query's flush visits these, not every document held. */
  private readonly pending = new Set<string>();
  /** First reads under way: a handler reading the same document twice at once gets one entry. */
  private readonly loading = new Map<string, Promise<Entry>>();

  constructor(
    private readonly fold: BatchFold,
    private readonly inner: Collection<Document>,
    private readonly spent: BudgetMeter,
    private readonly writeThrough: boolean,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  async get(id: string): Promise<Document | null> {
    const entry = await this.entry(id);
    return entry.doc === null ? null : copyOf(entry.doc);
  }

  async find(filter?: Filter, options?: FindOptions): Promise<Page<Document>> {
    this.fold.query();
    await this.flush();
    this.spent.operation();
    return this.inner.find(filter, options);
  }

  findAll(filter?: Filter, sort?: SortSpec): AsyncIterable<Document> {
    this.fold.query();
    this.spent.operation();
    return this.flushedThenAll(filter, sort);
  }

  /** The batch's pending writes first, so the scan sees them; lazily, when the caller starts iterating. */
  private async *flushedThenAll(filter?: Filter, sort?: SortSpec): AsyncIterable<Document> {
    await this.flush();
    yield* this.inner.findAll(filter, sort);
  }

  async count(filter?: Filter): Promise<number> {
    this.fold.query();
    await this.flush();
    this.spent.operation();
    return this.inner.count(filter);
  }

  async update(id: string, update: Update, options: UpdateOptions = {}): Promise<boolean> {
    isOperatorUpdate(update);
    const entry = await this.entry(id);
    const position = this.fold.currentPosition();
    if (entry.doc === null) {
      // Applied even without upsert, so a malformed update fails the same way on a missing document.
      const inserted = applyUpdate<Document>({ _id: id }, update, { isInsert: true });
      if (!options.upsert) return false;
      inserted._position = position;
      return this.write(id, entry, inserted);
    }
    if (!positionAllows(position, entry.doc._position)) return false;
    // Onto a copy: a failing update leaves the batch's document as it was.
    const updated = applyUpdate(copyOf(entry.doc), update, { isInsert: false });
    updated._position = position;
    return this.write(id, entry, updated);
  }

  async replace(id: string, doc: Omit<Document, '_id'> & { _id?: string }): Promise<boolean> {
    const replacement = replacementDocument(id, doc as Record<string, unknown>);
    const entry = await this.entry(id);
    const position = this.fold.currentPosition();
    if (entry.doc !== null && !positionAllows(position, entry.doc._position)) return false;
    replacement._position = position;
    return this.write(id, entry, replacement);
  }

  async delete(id: string): Promise<boolean> {
    const entry = await this.entry(id);
    if (entry.doc === null) return false;
    this.markDirty(id, entry);
    entry.doc = null;
    if (this.writeThrough) await this.flushEntry(id, entry);
    return true;
  }

  async deleteMany(filter: Filter): Promise<number> {
    this.fold.query();
    await this.flush();
    this.spent.operation();
    const deleted = await this.inner.deleteMany(filter);
    // Any document held here may be among them: read again on next use.
    this.entries.clear();
    return deleted;
  }

  async flush(): Promise<void> {
    for (const id of [...this.pending]) {
      const entry = this.entries.get(id);
      if (entry?.dirty === true) await this.flushEntry(id, entry);
    }
    this.pending.clear();
  }

  private async write(id: string, entry: Entry, doc: Document): Promise<boolean> {
    this.markDirty(id, entry);
    entry.doc = doc;
    if (this.writeThrough) await this.flushEntry(id, entry);
    return true;
  }

  /**
   * The budget counts the write a document will cost when it first becomes dirty: a transaction
   * ends before it holds more pending writes than the store allows, however they are folded.
   */
  private markDirty(id: string, entry: Entry): void {
    if (!entry.dirty) this.spent.operation();
    entry.dirty = true;
    this.pending.add(id);
  }

  private async flushEntry(id: string, entry: Entry): Promise<void> {
    this.fold.writes += 1;
    if (entry.doc === null) await this.inner.delete(id);
    else await this.inner.replace(id, entry.doc);
    entry.dirty = false;
    this.pending.delete(id);
  }

  /** The batch's view of a document, read from the store on first use. */
  private entry(id: string): Promise<Entry> {
    const entry = this.entries.get(id);
    if (entry !== undefined) return Promise.resolve(entry);
    let loading = this.loading.get(id);
    if (loading === undefined) {
      this.spent.operation();
      loading = this.inner.get(id).then(
        (doc) => {
          this.loading.delete(id);
          const loaded: Entry = { doc, dirty: false };
          this.entries.set(id, loaded);
          return loaded;
        },
        (error: unknown) => {
          this.loading.delete(id);
          throw error;
        },
      );
      this.loading.set(id, loading);
    }
    return loading;
  }
}
