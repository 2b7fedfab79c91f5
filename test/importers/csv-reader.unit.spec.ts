import { Readable } from 'node:stream';
import {
  CsvHeaderNotFoundError,
  type CsvItem,
  mapColumns,
  normaliseColumnName,
  parseCsvLine,
  readCsvRecords,
  readCsvWithHeader,
  readLines,
} from '../../src/importers/csv-reader';
import { chunked, collect } from './import-test-support';

const records = async (text: string, size?: number) =>
  (await collect(readCsvRecords(chunked(text, size)))).map(({ fields, line, endLine, issues }) => ({ fields, line, endLine, issues }));

describe('readCsvRecords', () => {
  it('reads quoted fields with commas, "" escapes and line breaks, reporting physical lines', async () => {
    const text = 'a,b,c\n1,"x, y","say ""hi"""\n2,"line one\nline two\nline three",z\n3,,\n';
    expect(await records(text)).toEqual([
      { fields: ['a', 'b', 'c'], line: 1, endLine: 1, issues: undefined },
      { fields: ['1', 'x, y', 'say "hi"'], line: 2, endLine: 2, issues: undefined },
      { fields: ['2', 'line one\nline two\nline three', 'z'], line: 3, endLine: 5, issues: undefined },
      { fields: ['3', '', ''], line: 6, endLine: 6, issues: undefined },
    ]);
  });

  it('treats CRLF, LF and lone CR as line ends, keeps CRLF inside quotes verbatim, and counts it as one line', async () => {
    const text = 'h1,h2\r\n"multi\r\nline",2\r\nlast,3\rcr,4';
    expect(await records(text)).toEqual([
      { fields: ['h1', 'h2'], line: 1, endLine: 1, issues: undefined },
      { fields: ['multi\r\nline', '2'], line: 2, endLine: 3, issues: undefined },
      { fields: ['last', '3'], line: 4, endLine: 4, issues: undefined },
      { fields: ['cr', '4'], line: 5, endLine: 5, issues: undefined },
    ]);
  });

  it('gives the same records whatever the chunk boundaries (CRLF, "" and UTF-8 sequences split)', async () => {
    const text = '\uFEFFname,note\r\n"Zoë","a ""quoted""\r\nword, é"\r\n\r\nplain,€10\r\n';
    const expected = await records(text, 1 << 20);
    expect(expected.map((r) => r.fields)).toEqual([
      ['name', 'note'],
      ['Zoë', 'a "quoted"\r\nword, é'],
      ['plain', '€10'],
    ]);
    expect(expected.map((r) => r.line)).toEqual([1, 2, 5]);
    for (let size = 1; size <= 9; size += 1) {
      expect(await records(text, size)).toEqual(expected);
    }
  });

  it('skips blank lines but counts them, and reads a last record without a line break', async () => {
    expect(await records('a\n\n\nb')).toEqual([
      { fields: ['a'], line: 1, endLine: 1, issues: undefined },
      { fields: ['b'], line: 4, endLine: 4, issues: undefined },
    ]);
  });

  it('keeps text after a closing quote and flags it; flags a quote left open at the end', async () => {
    expect(await records('"ab"cd,e\n"open,f\ng\n')).toEqual([
      { fields: ['ab"cd', 'e'], line: 1, endLine: 1, issues: ['stray-quote'] },
      { fields: ['open,f\ng\n'], line: 2, endLine: 4, issues: ['unterminated-quote'] },
    ]);
  });

  it('accepts string chunks and another delimiter', async () => {
    const out = await collect(readCsvRecords(Readable.from(['a;"b;c"\n', '1;2\n']), { delimiter: ';' }));
    expect(out.map((r) => r.fields)).toEqual([
      ['a', 'b;c'],
      ['1', '2'],
    ]);
  });

  it('reports progress in bytes', async () => {
    const seen: number[] = [];
    await collect(readCsvRecords(chunked('é,1\n2,3\n', 3), { onProgress: (n) => seen.push(n) }));
    expect(seen).toEqual([3, 6, 9]);
  });
});

describe('parseCsvLine', () => {
  it('parses one line; a quote left open ends with the line', () => {
    expect(parseCsvLine('a,"b,c",d\r\n').fields).toEqual(['a', 'b,c', 'd']);
    expect(parseCsvLine('Archive: "unbalanced, here', 7)).toEqual({
      fields: ['Archive: "unbalanced', ' here'],
      line: 7,
      endLine: 7,
      issues: undefined,
    });
    const open = parseCsvLine('x,"never closed');
    expect(open.fields).toEqual(['x', 'never closed']);
    expect(open.issues).toEqual(['unterminated-quote']);
  });
});

describe('readCsvWithHeader', () => {
  const isHeader = (fields: string[]) => fields.includes('id') && fields.includes('name');

  const read = (text: string, size?: number) => collect(readCsvWithHeader(chunked(text, size), { isHeader }));

  it('reports junk lines before the header with their line numbers, then reads records across lines', async () => {
    const text = 'Archive:  /tmp/x.zip\r\n  inflating: "x.csv  \r\n\r\nid,name\r\n1,"two\r\nlines"\r\n2,b\r\n';
    const expected: CsvItem[] = [
      { kind: 'junk', line: 1, text: 'Archive:  /tmp/x.zip' },
      { kind: 'junk', line: 2, text: '  inflating: "x.csv  ' },
      { kind: 'header', line: 4, fields: ['id', 'name'] },
      { kind: 'record', fields: ['1', 'two\r\nlines'], line: 5, endLine: 6 },
      { kind: 'record', fields: ['2', 'b'], line: 7, endLine: 7 },
    ];
    for (const size of [1, 2, 3, 5, 8, 1 << 16]) {
      expect(await read(text, size)).toEqual(expected);
    }
  });

  it('reads a header-only file and a header without a line break', async () => {
    expect(await read('junk\nid,name')).toEqual([
      { kind: 'junk', line: 1, text: 'junk' },
      { kind: 'header', line: 2, fields: ['id', 'name'] },
    ]);
  });

  it("fails with the caller's message when no header turns up", async () => {
    await expect(read('a,b\nc,d\n')).rejects.toThrow(CsvHeaderNotFoundError);
    await expect(
      collect(
        readCsvWithHeader(chunked('x\ny\nz\nid,name\n'), {
          isHeader,
          maxLinesBeforeHeader: 2,
          headerNotFound: (n) => `no id/name header in ${n} lines`,
        }),
      ),
    ).rejects.toThrow('no id/name header in 2 lines');
  });
});

describe('readLines', () => {
  it('splits on CRLF, LF and CR (also across chunks) and numbers the lines', async () => {
    const text = 'one\r\ntwo\n\nthree\rfour';
    for (const size of [1, 2, 4, 100]) {
      expect(await collect(readLines(chunked(text, size)))).toEqual([
        { line: 1, text: 'one' },
        { line: 2, text: 'two' },
        { line: 3, text: '' },
        { line: 4, text: 'three' },
        { line: 5, text: 'four' },
      ]);
    }
  });
});

describe('column mapping', () => {
  it('ignores case, spaces and punctuation', () => {
    expect(normaliseColumnName('Sub-product')).toBe(normaliseColumnName('sub_product'));
    expect(normaliseColumnName('Timely response?')).toBe('timelyresponse');
  });

  it('maps by any alias, first column wins, and names missing required columns', () => {
    const spec = {
      id: { names: ['Complaint ID'], required: true },
      text: { names: ['Consumer complaint narrative', 'complaint_what_happened'] },
      date: { names: ['Date received'], required: true },
    };
    expect(mapColumns(['COMPLAINT_ID', 'complaint what happened', 'complaint-id'], spec)).toEqual({
      index: { id: 0, text: 1 },
      found: 2,
      missing: ['Date received'],
    });
  });
});
