import { csvField, flattenItem, toCsv, wantsCsv } from '../../src/shared/http/csv';

describe('CSV rendering (RFC 4180)', () => {
  it('writes a header row and one CRLF-terminated row per item, nested fields flattened with dots', () => {
    const text = toCsv([
      { id: 'a', value: { revenue: 10.5, tiers: ['low', 'high'] }, active: true, note: null },
      { id: 'b', value: { revenue: 0, tiers: [] }, active: false },
    ]);
    // The empty array of b adds no column: a has its elements.
    expect(text).toBe('id,value.revenue,value.tiers.0,value.tiers.1,active,note\r\na,10.5,low,high,true,\r\nb,0,,,false,\r\n');
  });

  it('quotes fields with commas, quotes or line breaks, doubling the quotes', () => {
    expect(csvField('Lima, Ana')).toBe('"Lima, Ana"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('plain')).toBe('plain');
    expect(csvField(null)).toBe('');
    expect(csvField(Number.NaN)).toBe('');
  });

  it('defuses text a spreadsheet would run as a formula, but not negative numbers', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField(-5)).toBe('-5');
  });

  it('keeps the given columns first (an empty list still has its header) and drops a null parent of known children', () => {
    expect(toCsv([], ['a', 'b'])).toBe('a,b\r\n');
    const text = toCsv(
      [
        { id: 'x', predictive: null },
        { id: 'y', predictive: { clv: 3 } },
      ],
      ['id', 'predictive.clv'],
    );
    expect(text).toBe('id,predictive.clv\r\nx,\r\ny,3\r\n');
  });

  it('flattens scalars at the top as a value column', () => {
    expect([...flattenItem(3).entries()]).toEqual([['value', 3]]);
  });

  it('recognises Accept: text/csv among other types and parameters', () => {
    expect(wantsCsv('text/csv')).toBe(true);
    expect(wantsCsv('application/json;q=0.5, TEXT/CSV;charset=utf-8')).toBe(true);
    expect(wantsCsv(['application/json', 'text/csv'])).toBe(true);
    expect(wantsCsv('application/json')).toBe(false);
    expect(wantsCsv(undefined)).toBe(false);
  });
});
