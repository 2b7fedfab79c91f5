/**
 * Streaming readers for import files: an RFC 4180 CSV reader and a physical-line reader.
 *
 * Both take any async iterable of chunks (a Node Readable is one), decode UTF-8 across chunk
 * boundaries, drop a leading byte order mark, and report physical line numbers (1-based; a line
 * ends at CRLF, LF or a lone CR). Nothing is held beyond the record being read.
 */

import { CsvTokenizer, type CsvOptions, type CsvRecord } from './csv-tokenizer';
import { decode, flatten, type TextSource } from './text-source';

export * from './csv-columns';
export * from './csv-header-reader';
export { type CsvIssue, type CsvOptions, type CsvRecord, parseCsvLine } from './csv-tokenizer';
export * from './text-source';

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
