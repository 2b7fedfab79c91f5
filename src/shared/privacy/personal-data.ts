/**
 * Which fields of which events hold personal data, and whose. Features declare their specs next to
 * their events (e.g. customers/customer.personal-data.ts); the composition root collects them
 * (all-personal-data.ts) and hands them to the kernel, which imports no feature.
 *
 * Paths are dotted paths into the event's data ("name", "changes.email"). Only string values are
 * encrypted: null, absent and non-string values are stored as they are, so the data keeps its
 * types. After the subject's key is deleted every encrypted value reads back as ERASED.
 */
export interface PersonalDataSpec {
  eventType: string;
  /** Whose data it is: the id at `path` is the subject id, which names the data key. */
  subject: {
    path: string;
    /**
     * 'event' (default): in this event's data. 'stream-start': in the data of the first event of
     * the event's stream, for events that do not repeat the subject (a complaint's later events
     * name the complaint, and its registration names the customer).
     */
    from?: 'event' | 'stream-start';
  };
  fields: readonly string[];
}

/**
 * The decision about every string field of one event type: personal (encrypted with the subject's
 * key) or not. Features keep these next to their events (*.personal-data.ts); a test compares them
 * with the event types in the code, so a new event type or a new string field cannot ship without
 * a decision (test/privacy/personal-data-inventory.int.spec.ts).
 *
 * Paths of `notPersonal` may go inside arrays (`lines[].product`) and records (`scores.*`); paths of
 * `personal` are dotted paths the cipher can reach (no arrays).
 */
export interface EventDataInventory {
  eventType: string;
  /** Whose data the personal fields are; required when there are any. */
  subject?: PersonalDataSpec['subject'];
  personal: readonly string[];
  /** Ids, codes, enums, times, amounts and staff names: facts of the business, not of the person. */
  notPersonal: readonly string[];
  /**
   * The names personal values take in read models and API answers besides their own (a profile
   * shows CustomerDeactivated.reason as `deactivationReason`): masking covers them too.
   */
  shownAs?: readonly string[];
}

/** The encryption specs of the event types with personal fields. */
export function personalDataSpecs(inventory: readonly EventDataInventory[]): PersonalDataSpec[] {
  const specs: PersonalDataSpec[] = [];
  for (const entry of inventory) {
    if (entry.personal.length === 0) continue;
    if (entry.subject === undefined) throw new Error(`Personal data of ${entry.eventType} names no subject`);
    specs.push({ eventType: entry.eventType, subject: entry.subject, fields: entry.personal });
  }
  return specs;
}

/**
 * Every name a personal value can have in an answer: the last segment of each personal path and
 * each `shownAs` name. Masking by these names (access/personal-data.ts) follows the inventory, so a
 * field declared personal is masked wherever it appears under its own name or a declared one.
 */
export function personalFieldNames(inventory: readonly EventDataInventory[]): Set<string> {
  const names = new Set<string>();
  for (const entry of inventory) {
    for (const path of entry.personal) names.add(path.slice(path.lastIndexOf('.') + 1));
    for (const name of entry.shownAs ?? []) names.add(name);
  }
  return names;
}

/** What an encrypted value reads as once its subject has been forgotten. */
export const ERASED = '[erased]';

/** Injection token for the PersonalDataSpec[] the composition root collects. */
export const PERSONAL_DATA = Symbol('PERSONAL_DATA');

/** The specs by event type; throws on a type declared twice or a malformed path. */
export function indexPersonalData(specs: readonly PersonalDataSpec[]): ReadonlyMap<string, PersonalDataSpec> {
  const byType = new Map<string, PersonalDataSpec>();
  for (const spec of specs) {
    if (byType.has(spec.eventType)) throw new Error(`Personal data of ${spec.eventType} is declared twice`);
    for (const path of [spec.subject.path, ...spec.fields]) {
      if (!/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/.test(path)) {
        throw new Error(`Personal data of ${spec.eventType}: "${path}" is not a dotted path`);
      }
    }
    if (spec.subject.from !== 'stream-start' && spec.fields.includes(spec.subject.path)) {
      throw new Error(`Personal data of ${spec.eventType}: the subject id cannot itself be encrypted`);
    }
    byType.set(spec.eventType, spec);
  }
  return byType;
}

/** The value at a dotted path, or undefined. */
export function valueAt(data: unknown, path: string): unknown {
  let current: unknown = data;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * A copy of data with the value at each given path replaced; only the objects on those paths are
 * copied. Paths that do not lead to an existing member are left alone.
 */
export function withValuesAt(data: unknown, replacements: ReadonlyMap<string, unknown>): unknown {
  if (replacements.size === 0) return data;
  const root = copyObject(data);
  if (root === undefined) return data;
  for (const [path, value] of replacements) {
    const keys = path.split('.');
    let parent = root;
    let ok = true;
    for (const key of keys.slice(0, -1)) {
      const child = copyObject(parent[key]);
      if (child === undefined) {
        ok = false;
        break;
      }
      parent[key] = child;
      parent = child;
    }
    const last = keys[keys.length - 1];
    if (ok && Object.prototype.hasOwnProperty.call(parent, last)) parent[last] = value;
  }
  return root;
}

function copyObject(value: unknown): Record<string, unknown> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return { ...(value as Record<string, unknown>) };
}
