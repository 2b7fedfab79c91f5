import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { excerpt, ImportFormatError } from './import-records';

/**
 * Streaming readers for import files: an RFC 4180 CSV reader and a physical-line reader.
 *
 * Both take any async iterable of chunks (a Node Readable is one), decode UTF-8 across chunk
 * boundaries, drop a leading byte order mark, and report physical line numbers (1-based; a line
 * ends at CRLF, LF or a lone CR). Nothing is held beyond the record being read.
 */

/** Anything the readers can consume: a file stream, a socket, or chunks in a test. */
export type TextSource = AsyncIterable<Buffer | Uint8Array | string>;

export interface ReadProgressOptions {
  /** Called after each chunk with the bytes consumed so far (compare with the file size for a progress bar). */
  onProgress?: (bytesRead: number) => void;
}

/** Opens a file for the readers. */
export function fileSource(path: string): Readable {
  return createReadStream(path, { highWaterMark: 256 * 1024 });
}

/** Something odd the reader tolerated in a record; the caller decides whether it matters. */
export type CsvIssue =
  /** The file (or, before the header, the line) ended inside a quoted field. */
  | 'unterminated-quote'
  /** Characters after a closing quote (`"ab"cd`): kept literally, quote included. */
  | 'stray-quote';

export interface CsvRecord {
  fields: string[];
  /** Physical line the record starts on. */
  line: number;
  /** Physical line it ends on: later than `line` when a quoted field holds line breaks. */
  endLine: number;
  issues?: CsvIssue[];
}

export interface CsvOptions extends ReadProgressOptions {
  /** Field separator, one character; default ','. */
  delimiter?: string;
}

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote seen inside a quoted field: either the first of an escaped "" or the closing quote. */
  QuoteInQuoted,
}

const CR = 13;
const LF = 10;
const QUOTE = 34;

function escapeForClass(ch: string): string {
  return ch.replace(/[\\\]^-]/g, '\\$&');
}

/**
 * The push-based state machine under the readers. Text runs between special characters are
 * copied with one slice (the next special character found by a regex), so long narratives cost little.
 * Line breaks inside quoted fields are kept verbatim in the field value.
 */
class CsvTokenizer {
  private state = State.FieldStart;
  private field = '';
  private fields: string[] = [];
  private issues: CsvIssue[] | undefined;
  /** Physical line of the next character. */
  private line: number;
  private recordLine: number;
  /** The previous character was a CR: a following LF belongs to the same line break. */
  private afterCr = false;
  private readonly delimiterCode: number;
  private readonly unquotedSpecial: RegExp;
  private readonly quotedSpecial = /["\r\n]/g;

  constructor(delimiter: string, startLine: number) {
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\r' || delimiter === '\n') {
      throw new Error(`CSV delimiter must be one character other than a quote or line break, got ${JSON.stringify(delimiter)}`);
    }
    this.delimiterCode = delimiter.charCodeAt(0);
    this.unquotedSpecial = new RegExp(`[${escapeForClass(delimiter)}\\r\\n]`, 'g');
    this.line = startLine;
    this.recordLine = startLine;
  }

  /** Feeds text; completed records are appended to `out`. */
  push(text: string, out: CsvRecord[]): void {
    const length = text.length;
    let i = 0;
    while (i < length) {
      const code = text.charCodeAt(i);
      if (this.afterCr) {
        this.afterCr = false;
        if (code === LF) {
          // Second half of a CRLF: the line was already counted (and, outside quotes, the record ended).
          if (this.state === State.Quoted) this.field += '\n';
          i += 1;
          continue;
        }
      }
      switch (this.state) {
        case State.FieldStart:
          if (code === QUOTE) {
            this.state = State.Quoted;
            i += 1;
          } else if (code === this.delimiterCode) {
            this.fields.push('');
            i += 1;
          } else if (code === CR || code === LF) {
            this.lineBreak(code, out);
            i += 1;
          } else {
            this.state = State.Unquoted;
          }
          break;
        case State.Unquoted: {
          this.unquotedSpecial.lastIndex = i;
          const match = this.unquotedSpecial.exec(text);
          const end = match ? match.index : length;
          this.field += text.slice(i, end);
          i = end;
          if (!match) break;
          if (text.charCodeAt(end) === this.delimiterCode) {
            this.endField();
            this.state = State.FieldStart;
            i += 1;
          } else {
            this.lineBreak(text.charCodeAt(end), out);
            i += 1;
          }
          break;
        }
        case State.Quoted: {
          this.quotedSpecial.lastIndex = i;
          const match = this.quotedSpecial.exec(text);
          const end = match ? match.index : length;
          this.field += text.slice(i, end);
          i = end;
          if (!match) break;
          const special = text.charCodeAt(end);
          if (special === QUOTE) {
            this.state = State.QuoteInQuoted;
          } else {
            // A line break inside quotes belongs to the value; it still advances the physical line.
            this.field += special === CR ? '\r' : '\n';
            this.line += 1;
            this.afterCr = special === CR;
          }
          i += 1;
          break;
        }
        case State.QuoteInQuoted:
          if (code === QUOTE) {
            this.field += '"';
            this.state = State.Quoted;
            i += 1;
          } else if (code === this.delimiterCode) {
            this.endField();
            this.state = State.FieldStart;
            i += 1;
          } else if (code === CR || code === LF) {
            this.lineBreak(code, out);
            i += 1;
          } else {
            // Not RFC 4180 (`"ab"cd`): keep the text, quote included, rather than lose it.
            this.addIssue('stray-quote');
            this.field += '"';
            this.state = State.Unquoted;
          }
          break;
      }
    }
  }

  /** The text so far ended with a CR outside quotes (counted already): an LF next is its second half. */
  continueAfterCr(): void {
    this.afterCr = true;
  }

  /** Ends the input; returns the last record when the text did not end with a line break. */
  end(out: CsvRecord[]): void {
    if (this.state === State.Quoted) this.addIssue('unterminated-quote');
    if (this.state !== State.FieldStart || this.fields.length > 0) {
      this.endField();
      this.emit(out, this.line);
    }
  }

  private lineBreak(code: number, out: CsvRecord[]): void {
    // A break right at the start of a record is a blank line: not a record.
    const blank = this.state === State.FieldStart && this.fields.length === 0;
    if (!blank) {
      this.endField();
      this.emit(out, this.line);
    }
    this.line += 1;
    this.recordLine = this.line;
    this.state = State.FieldStart;
    this.afterCr = code === CR;
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
  }

  private emit(out: CsvRecord[], endLine: number): void {
    const record: CsvRecord = { fields: this.fields, line: this.recordLine, endLine };
    if (this.issues) record.issues = this.issues;
    out.push(record);
    this.fields = [];
    this.issues = undefined;
  }

  private addIssue(issue: CsvIssue): void {
    if (!this.issues) this.issues = [];
    if (!this.issues.includes(issue)) this.issues.push(issue);
  }
}

/** Decodes chunks to text (UTF-8 split across chunks handled), dropping a leading BOM. */
async function* decode(source: TextSource, onProgress?: (bytesRead: number) => void): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let bytesRead = 0;
  let first = true;
  for await (const chunk of source) {
    let text: string;
    if (typeof chunk === 'string') {
      text = chunk;
      bytesRead += Buffer.byteLength(chunk);
    } else {
      text = decoder.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      bytesRead += chunk.byteLength;
    }
    if (first && text.length > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text.length > 0) yield text;
    onProgress?.(bytesRead);
  }
  const rest = decoder.end();
  if (rest.length > 0) yield rest;
}

/** Yields each batch's items one by one (the batches exist to keep per-item async overhead off the hot path). */
async function* flatten<T>(batches: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const batch of batches) yield* batch;
}

/** The CSV records of the source, blank lines left out, in batches (one per chunk read). */
export async function* readCsvRecordBatches(source: TextSource, options: CsvOptions = {}): AsyncGenerator<CsvRecord[]> {
  const tokenizer = new CsvTokenizer(options.delimiter ?? ',', 1);
  for await (const text of decode(source, options.onProgress)) {
    const out: CsvRecord[] = [];
    tokenizer.push(text, out);
    if (out.length > 0) yield out;
  }
  const out: CsvRecord[] = [];
  tokenizer.end(out);
  if (out.length > 0) yield out;
}

/** Every CSV record of the source, blank lines left out. */
export function readCsvRecords(source: TextSource, options: CsvOptions = {}): AsyncGenerator<CsvRecord> {
  return flatten(readCsvRecordBatches(source, options));
}

/** Parses one physical line as CSV (a quote left open ends with the line). */
export function parseCsvLine(text: string, line = 1, delimiter = ','): CsvRecord {
  const tokenizer = new CsvTokenizer(delimiter, line);
  const out: CsvRecord[] = [];
  tokenizer.push(text.replace(/[\r\n]+$/, ''), out);
  tokenizer.end(out);
  return out[0] ?? { fields: [''], line, endLine: line };
}

export type CsvItem =
  /** A line before the header that is not the header (e.g. leftover `unzip` output). */
  { kind: 'junk'; line: number; text: string } | { kind: 'header'; line: number; fields: string[] } | ({ kind: 'record' } & CsvRecord);

export interface CsvWithHeaderOptions extends CsvOptions {
  /** Tells the header from the junk lines before it, e.g. "maps at least 3 known columns". */
  isHeader: (fields: string[]) => boolean;
  /** Non-blank lines to examine before giving up; default 100. */
  maxLinesBeforeHeader?: number;
  /** Error message when no header turns up; default a generic one. */
  headerNotFound?: (linesExamined: number) => string;
}

export class CsvHeaderNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvHeaderNotFoundError';
  }
}

/**
 * A CSV file whose header may follow junk lines. Until the header is found, every physical line
 * is examined on its own, so a stray quote in a junk line cannot swallow the header; from the
 * line after the header on, the full RFC 4180 rules apply (quoted fields may span lines).
 * Yields the junk lines, then the header, then the records, in batches; throws
 * CsvHeaderNotFoundError when no header turns up.
 */
export async function* readCsvWithHeaderBatches(source: TextSource, options: CsvWithHeaderOptions): AsyncGenerator<CsvItem[]> {
  const delimiter = options.delimiter ?? ',';
  const maxLines = options.maxLinesBeforeHeader ?? 100;
  const notFound = (examined: number): CsvHeaderNotFoundError =>
    new CsvHeaderNotFoundError(options.headerNotFound?.(examined) ?? `No CSV header line found in the first ${examined} non-blank lines`);
  const asItems = (records: CsvRecord[]): CsvItem[] => records.map((record) => ({ kind: 'record', ...record }));

  let tokenizer: CsvTokenizer | null = null;
  let pending = '';
  let line = 1;
  let examined = 0;
  // A chunk that ended with CR: an LF opening the next chunk completes that line break.
  let pendingCr = false;

  for await (let text of decode(source, options.onProgress)) {
    if (tokenizer) {
      const out: CsvRecord[] = [];
      tokenizer.push(text, out);
      if (out.length > 0) yield asItems(out);
      continue;
    }
    if (pendingCr) {
      pendingCr = false;
      if (text.charCodeAt(0) === LF) text = text.slice(1);
    }
    pending += text;
    const batch: CsvItem[] = [];
    const breaks = /\r\n|\r|\n/g;
    let start = 0;
    let match: RegExpExecArray | null;
    while ((match = breaks.exec(pending)) !== null) {
      // Maybe the first half of a CRLF split across chunks: counted now, its LF eaten later.
      if (match[0] === '\r' && match.index === pending.length - 1) pendingCr = true;
      const lineText = pending.slice(start, match.index);
      const lineNumber = line;
      start = match.index + match[0].length;
      line += 1;
      if (lineText.trim() === '') continue;
      examined += 1;
      const fields = parseCsvLine(lineText, lineNumber, delimiter).fields;
      if (options.isHeader(fields)) {
        batch.push({ kind: 'header', line: lineNumber, fields });
        tokenizer = new CsvTokenizer(delimiter, line);
        if (pendingCr) {
          // The header's CR was the last character read: the tokenizer must eat a leading LF itself.
          pendingCr = false;
          tokenizer.continueAfterCr();
        }
        break;
      }
      batch.push({ kind: 'junk', line: lineNumber, text: lineText });
      if (examined >= maxLines) {
        yield batch;
        throw notFound(examined);
      }
    }
    pending = pending.slice(start);
    if (tokenizer) {
      // The rest of the chunk after the header.
      const out: CsvRecord[] = [];
      tokenizer.push(pending, out);
      pending = '';
      batch.push(...asItems(out));
    }
    if (batch.length > 0) yield batch;
  }
  if (!tokenizer) {
    // A last line without a line break may still be the header (a file holding only a header).
    if (pending.trim() !== '') {
      examined += 1;
      const fields = parseCsvLine(pending, line, delimiter).fields;
      if (options.isHeader(fields)) {
        yield [{ kind: 'header', line, fields }];
        return;
      }
      yield [{ kind: 'junk', line, text: pending }];
    }
    throw notFound(examined);
  }
  const out: CsvRecord[] = [];
  tokenizer.end(out);
  if (out.length > 0) yield asItems(out);
}

export function readCsvWithHeader(source: TextSource, options: CsvWithHeaderOptions): AsyncGenerator<CsvItem> {
  return flatten(readCsvWithHeaderBatches(source, options));
}

export interface TextLine {
  line: number;
  text: string;
}

/** Physical lines (CRLF, LF or CR), line breaks removed, blank lines included, in batches. */
export async function* readLineBatches(source: TextSource, options: ReadProgressOptions = {}): AsyncGenerator<TextLine[]> {
  let pending = '';
  let line = 1;
  let pendingCr = false;
  for await (let text of decode(source, options.onProgress)) {
    if (pendingCr) {
      pendingCr = false;
      if (text.charCodeAt(0) === LF) text = text.slice(1);
    }
    pending += text;
    const batch: TextLine[] = [];
    const breaks = /\r\n|\r|\n/g;
    let start = 0;
    let match: RegExpExecArray | null;
    while ((match = breaks.exec(pending)) !== null) {
      if (match[0] === '\r' && match.index === pending.length - 1) pendingCr = true;
      batch.push({ line, text: pending.slice(start, match.index) });
      line += 1;
      start = match.index + match[0].length;
    }
    pending = pending.slice(start);
    if (batch.length > 0) yield batch;
  }
  if (pending.length > 0) yield [{ line, text: pending }];
}

/** Physical lines (CRLF, LF or CR), line breaks removed; blank lines included. */
export function readLines(source: TextSource, options: ReadProgressOptions = {}): AsyncGenerator<TextLine> {
  return flatten(readLineBatches(source, options));
}

/** Column names compared loosely: case, spaces and punctuation ignored ("Sub-product" = "sub_product"). */
export function normaliseColumnName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export interface ColumnSpec {
  /** Names the column has had, in any spelling (they are normalised before comparing). */
  names: readonly string[];
  required?: boolean;
}

export interface ColumnMapping<K extends string> {
  /** Field index of each known column found in the header. */
  index: Partial<Record<K, number>>;
  /** How many known columns the header has. */
  found: number;
  /** Required columns the header lacks, by their first name in the spec. */
  missing: string[];
}

/** Maps a header onto known columns by normalised name; the first header column of a name wins. */
export function mapColumns<K extends string>(header: readonly string[], spec: Readonly<Record<K, ColumnSpec>>): ColumnMapping<K> {
  const byName = new Map<string, number>();
  header.forEach((name, i) => {
    const key = normaliseColumnName(name);
    if (key && !byName.has(key)) byName.set(key, i);
  });
  const index: Partial<Record<K, number>> = {};
  const missing: string[] = [];
  let found = 0;
  for (const key of Object.keys(spec) as K[]) {
    const column = spec[key];
    const at = column.names.map((n) => byName.get(normaliseColumnName(n))).find((i) => i !== undefined);
    if (at !== undefined) {
      index[key] = at;
      found += 1;
    } else if (column.required) {
      missing.push(column.names[0]);
    }
  }
  return { index, found, missing };
}

/** A file's header mapped onto the known columns. */
export interface AcceptedHeader<K extends string> {
  /** Where each known column is. */
  column: Partial<Record<K, number>>;
  /** How many fields the header has: rows are checked against it. */
  fieldCount: number;
  /** Whether a row is this header again (files concatenated from several exports repeat it). */
  isRepeat(fields: readonly string[]): boolean;
}

/**
 * Maps a header line onto the spec, or throws ImportFormatError naming the required columns it
 * lacks. `what` names the file kind in that message ("CFPB complaint export").
 */
export function acceptHeader<K extends string>(
  fields: readonly string[],
  line: number,
  spec: Readonly<Record<K, ColumnSpec>>,
  what: string,
): AcceptedHeader<K> {
  const mapping = mapColumns(fields, spec);
  if (mapping.missing.length > 0) {
    // One line naming each missing column, every name it is accepted under, and the way out for a layout nobody foresaw.
    const keys = Object.keys(spec) as K[];
    const described = mapping.missing.map((name) => {
      const key = keys.find((k) => spec[k].names[0] === name)!;
      return `"${name}" (accepted names: ${spec[key].names.map((n) => `"${n}"`).join(', ')}; or --map "<your column>=${key}")`;
    });
    throw new ImportFormatError(
      `${what} lacks required column ${described.join(' and ')}; header on line ${line}: ${excerpt(fields.join(','), 200)}`,
      mapping.missing,
    );
  }
  const first = normaliseColumnName(fields[0]);
  const key = fields.map(normaliseColumnName).join(',');
  return {
    column: mapping.index,
    fieldCount: fields.length,
    // The first column is compared first: a cheap miss for nearly every data row.
    isRepeat: (row) => normaliseColumnName(row[0]) === first && row.map(normaliseColumnName).join(',') === key,
  };
}
