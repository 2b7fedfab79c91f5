import { CsvTokenizer, LF, parseCsvLine, type CsvOptions, type CsvRecord } from './csv-tokenizer';
import { decode, flatten, type TextSource } from './text-source';

// A CSV file whose header line may follow junk lines (an export's preamble, unzip output).

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

const asItems = (records: CsvRecord[]): CsvItem[] => records.map((record) => ({ kind: 'record', ...record }));

/**
 * The lines before the header, each parsed on its own until one is the header; from there on a
 * tokenizer reads the rest of the file (`tokenizer` is set once the header is found).
 */
class HeaderSearch {
  tokenizer: CsvTokenizer | null = null;
  private readonly delimiter: string;
  private readonly maxLines: number;
  private pending = '';
  private line = 1;
  private examined = 0;
  // A chunk that ended with CR: an LF opening the next chunk completes that line break.
  private pendingCr = false;

  constructor(private readonly options: CsvWithHeaderOptions) {
    this.delimiter = options.delimiter ?? ',';
    this.maxLines = options.maxLinesBeforeHeader ?? 100;
  }

  /** The items of a chunk read before the header (junk, the header, the records after it); gaveUp: the line budget ran out. */
  feed(chunk: string): { items: CsvItem[]; gaveUp: boolean } {
    let text = chunk;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (text.charCodeAt(0) === LF) text = text.slice(1);
    }
    this.pending += text;
    const items: CsvItem[] = [];
    const breaks = /\r\n|\r|\n/g;
    let start = 0;
    let match: RegExpExecArray | null;
    while ((match = breaks.exec(this.pending)) !== null) {
      // Maybe the first half of a CRLF split across chunks: counted now, its LF eaten later.
      if (match[0] === '\r' && match.index === this.pending.length - 1) this.pendingCr = true;
      const lineText = this.pending.slice(start, match.index);
      const lineNumber = this.line;
      start = match.index + match[0].length;
      this.line += 1;
      if (lineText.trim() === '') continue;
      this.examined += 1;
      const fields = parseCsvLine(lineText, lineNumber, this.delimiter).fields;
      if (this.options.isHeader(fields)) {
        items.push({ kind: 'header', line: lineNumber, fields });
        this.startRecords();
        break;
      }
      items.push({ kind: 'junk', line: lineNumber, text: lineText });
      if (this.examined >= this.maxLines) return { items, gaveUp: true };
    }
    this.pending = this.pending.slice(start);
    if (this.tokenizer) {
      // The rest of the chunk after the header.
      const out: CsvRecord[] = [];
      this.tokenizer.push(this.pending, out);
      this.pending = '';
      items.push(...asItems(out));
    }
    return { items, gaveUp: false };
  }

  /** At the end of the input: a last line without a line break may still be the header (a file holding only a header). */
  lastLine(): { items: CsvItem[]; found: boolean } {
    if (this.pending.trim() === '') return { items: [], found: false };
    this.examined += 1;
    const fields = parseCsvLine(this.pending, this.line, this.delimiter).fields;
    if (this.options.isHeader(fields)) return { items: [{ kind: 'header', line: this.line, fields }], found: true };
    return { items: [{ kind: 'junk', line: this.line, text: this.pending }], found: false };
  }

  notFound(): CsvHeaderNotFoundError {
    const examined = this.examined;
    return new CsvHeaderNotFoundError(
      this.options.headerNotFound?.(examined) ?? `No CSV header line found in the first ${examined} non-blank lines`,
    );
  }

  private startRecords(): void {
    this.tokenizer = new CsvTokenizer(this.delimiter, this.line);
    if (this.pendingCr) {
      // The header's CR was the last character read: the tokenizer must eat a leading LF itself.
      this.pendingCr = false;
      this.tokenizer.continueAfterCr();
    }
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
  const search = new HeaderSearch(options);
  for await (const text of decode(source, options.onProgress)) {
    if (search.tokenizer) {
      const out: CsvRecord[] = [];
      search.tokenizer.push(text, out);
      if (out.length > 0) yield asItems(out);
      continue;
    }
    const { items, gaveUp } = search.feed(text);
    if (items.length > 0) yield items;
    if (gaveUp) throw search.notFound();
  }
  if (!search.tokenizer) {
    const { items, found } = search.lastLine();
    if (items.length > 0) yield items;
    if (found) return;
    throw search.notFound();
  }
  const out: CsvRecord[] = [];
  search.tokenizer.end(out);
  if (out.length > 0) yield asItems(out);
}

export function readCsvWithHeader(source: TextSource, options: CsvWithHeaderOptions): AsyncGenerator<CsvItem> {
  return flatten(readCsvWithHeaderBatches(source, options));
}
