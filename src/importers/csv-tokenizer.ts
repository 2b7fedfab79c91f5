import type { ReadProgressOptions } from './text-source';

// The RFC 4180 state machine under the CSV readers (csv-reader.ts), and its one-line use.

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
export const LF = 10;
const QUOTE = 34;

function escapeForClass(ch: string): string {
  return ch.replace(/[\\\]^-]/g, '\\$&');
}

/**
 * The push-based state machine under the readers. Text runs between special characters are
 * copied with one slice (the next special character found by a regex), so long narratives cost little.
 * Line breaks inside quoted fields are kept verbatim in the field value.
 */
export class CsvTokenizer {
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

  /**
   * Feeds text; completed records are appended to `out`. Long because it is the reader's hot loop:
   * one switch over the states, with no call per character (a method per state costs a call each).
   */
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

/** Parses one physical line as CSV (a quote left open ends with the line). */
export function parseCsvLine(text: string, line = 1, delimiter = ','): CsvRecord {
  const tokenizer = new CsvTokenizer(delimiter, line);
  const out: CsvRecord[] = [];
  tokenizer.push(text.replace(/[\r\n]+$/, ''), out);
  tokenizer.end(out);
  return out[0] ?? { fields: [''], line, endLine: line };
}
