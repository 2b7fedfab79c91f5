import type { RecordedEvent } from '../shared/event-store/event-store.port';
import { ENCRYPTED_FIELDS } from '../shared/privacy/encrypting-event-store';
import type { KeyStore } from '../shared/privacy/key-store.port';
import { ERASED, valueAt, withValuesAt } from '../shared/privacy/personal-data';

/**
 * Webhook bodies carry a copy of their event's data, personal fields included. These helpers let
 * the outbox and the delivery log drop that copy once its customer is forgotten.
 */

/** The paths of an event's data that were stored encrypted: those of its body that are personal. */
export function personalPathsOf(event: RecordedEvent): string[] {
  const paths = event.metadata[ENCRYPTED_FIELDS];
  return Array.isArray(paths) ? paths.filter((path): path is string => typeof path === 'string') : [];
}

/**
 * The body (JSON of a WebhookPayload) with the personal fields of its data read as erased: what the
 * projection renders from the same event once the subject's key is deleted.
 */
export function erasedWebhookBody(body: string, personalPaths: readonly string[]): string {
  const payload = JSON.parse(body) as { data: unknown };
  const replacements = new Map<string, unknown>();
  for (const path of personalPaths) if (typeof valueAt(payload.data, path) === 'string') replacements.set(path, ERASED);
  if (replacements.size === 0) return body;
  return JSON.stringify({ ...payload, data: withValuesAt(payload.data, replacements) });
}

/** The body as it may be stored or sent now: erased once its subject is forgotten (whatever instance ran the forget). */
export async function currentWebhookBody(
  doc: { body: string; subjectId?: string | null; personalPaths?: readonly string[] },
  keys: KeyStore | undefined,
): Promise<string> {
  if (!doc.subjectId || !doc.personalPaths?.length || keys === undefined) return doc.body;
  const key = await keys.get(doc.subjectId);
  return key.state === 'forgotten' ? erasedWebhookBody(doc.body, doc.personalPaths) : doc.body;
}
