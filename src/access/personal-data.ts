import { ALL_DATA_INVENTORY } from '../all-personal-data';
import { personalFieldNames } from '../shared/privacy/personal-data';

/**
 * Masking personal data for principals who may not see it (roles.ts: seesMaskedPersonalData), on
 * the routes the access table marks `personalData`. Deliberately simple and by field name: any
 * field with one of these names, at any depth, has its text replaced by "***" (null stays null,
 * numbers and dates stay). Ids are not masked, so analyses can still join and count.
 *
 * The names come from the inventory of personal data (all-personal-data.ts): each personal event
 * field under its own name and under the names read models give it (`shownAs`, e.g.
 * deactivationReason), so a field declared personal cannot be shown unmasked under a new name
 * without its declaration saying so.
 */
export const PERSONAL_FIELDS: ReadonlySet<string> = personalFieldNames(ALL_DATA_INVENTORY);

/** Query parameters that search by personal data: refused to masked principals (results would reveal it). */
export const PERSONAL_SEARCH_PARAMETERS: readonly string[] = ['q', 'name', 'email', 'phone', 'company'];

export const MASK = '***';

/** Everything under a personal field: every non-empty string. */
function maskValue(value: unknown): unknown {
  if (typeof value === 'string') return value === '' ? value : MASK;
  if (Array.isArray(value)) return value.map(maskValue);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, field]) => [key, maskValue(field)]));
  }
  return value;
}

/** A copy of a JSON value with the personal fields masked. */
export function maskPersonalData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskPersonalData);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    out[key] = PERSONAL_FIELDS.has(key) ? maskValue(field) : maskPersonalData(field);
  }
  return out;
}

/** A CSV column holds personal data when any segment of its dotted name does (`customer.name`, `notes.0.note`). */
function isPersonalColumn(header: string): boolean {
  return header.split('.').some((segment) => PERSONAL_FIELDS.has(segment));
}

interface CsvField {
  start: number;
  end: number;
  value: string;
}

/** RFC 4180 fields with their place in the text, row by row. */
function csvFields(text: string): CsvField[][] {
  const rows: CsvField[][] = [];
  let row: CsvField[] = [];
  let i = 0;
  while (i <= text.length) {
    const start = i;
    let value = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) break;
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      while (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') i++;
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') value += text[i++];
    }
    row.push({ start, end: i, value });
    if (text[i] === ',') {
      i++;
      continue;
    }
    rows.push(row);
    row = [];
    if (text[i] === '\r' && text[i + 1] === '\n') i += 2;
    else i++;
    if (i >= text.length) break;
  }
  return rows;
}

/** The CSV with the cells of personal columns (by header name) masked; everything else byte for byte. */
export function maskPersonalCsv(text: string): string {
  const rows = csvFields(text);
  if (rows.length === 0) return text;
  const personal = rows[0].map((field) => isPersonalColumn(field.value));
  if (!personal.includes(true)) return text;
  let out = '';
  let copied = 0;
  for (const row of rows.slice(1)) {
    row.forEach((field, column) => {
      if (!personal[column] || field.value === '') return;
      out += text.slice(copied, field.start) + MASK;
      copied = field.end;
    });
  }
  return out + text.slice(copied);
}
