import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

// Where the readers' text comes from: chunks decoded to text, and the physical-line reader.

const LF = 10;

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

/** Decodes chunks to text (UTF-8 split across chunks handled), dropping a leading BOM. */
export async function* decode(source: TextSource, onProgress?: (bytesRead: number) => void): AsyncGenerator<string> {
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
export async function* flatten<T>(batches: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const batch of batches) yield* batch;
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
