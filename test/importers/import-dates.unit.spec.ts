import {
  isBritishSummerTime,
  parseCompactDate,
  parseFlexibleDate,
  parseUkLocalDateTime,
  ukLocalToUtcMillis,
} from '../../src/importers/import-dates';

/** Europe/London wall-clock parts of an instant, from the ICU time zone data: an oracle independent of our rule. */
const londonFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  hourCycle: 'h23',
});
function londonWall(ms: number): [number, number, number, number, number] {
  const parts = Object.fromEntries(londonFormat.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return [Number(parts.year), Number(parts.month), Number(parts.day), Number(parts.hour), Number(parts.minute)];
}

describe('calendar dates', () => {
  it('reads YYYYMMDD and refuses impossible dates', () => {
    expect(parseCompactDate('19970101')).toBe('1997-01-01T00:00:00.000Z');
    expect(parseCompactDate('19960229')).toBe('1996-02-29T00:00:00.000Z');
    expect(parseCompactDate('19970229')).toBeNull();
    expect(parseCompactDate('1997011')).toBeNull();
  });

  it('reads the CFPB formats YYYY-MM-DD, M/D/YYYY and YYYY/M/D to UTC midnight', () => {
    for (const text of [
      '2019-03-05',
      '3/5/2019',
      '03/05/2019',
      '2019/3/5',
      ' 2019-03-05 ',
      '2019-03-05T00:00:00',
      '2019-03-05T00:00:00.000Z',
    ]) {
      expect(parseFlexibleDate(text)).toBe('2019-03-05T00:00:00.000Z');
    }
    for (const text of ['', '2019-02-30', '13/1/2019', '3/5/19', '2019-03-05T10:00:00', 'March 5, 2019', '05.03.2019']) {
      expect(parseFlexibleDate(text)).toBeNull();
    }
  });
});

describe('UK local time', () => {
  it('switches at 01:00 UTC on the last Sundays of March and October', () => {
    // 2011: 27 March and 30 October; 2010: 28 March and 31 October.
    expect(isBritishSummerTime(Date.parse('2011-03-27T00:59:59Z'))).toBe(false);
    expect(isBritishSummerTime(Date.parse('2011-03-27T01:00:00Z'))).toBe(true);
    expect(isBritishSummerTime(Date.parse('2011-10-30T00:59:59Z'))).toBe(true);
    expect(isBritishSummerTime(Date.parse('2011-10-30T01:00:00Z'))).toBe(false);
    expect(isBritishSummerTime(Date.parse('2010-10-31T00:30:00Z'))).toBe(true);
    expect(isBritishSummerTime(Date.parse('2010-11-01T00:30:00Z'))).toBe(false);
  });

  it('turns invoice times into UTC (GMT in winter, BST in summer)', () => {
    expect(parseUkLocalDateTime('2011-03-10 16:16:00')).toBe('2011-03-10T16:16:00.000Z');
    expect(parseUkLocalDateTime('2011-06-16 14:45:00')).toBe('2011-06-16T13:45:00.000Z');
    expect(parseUkLocalDateTime('6/16/2011 14:45')).toBe('2011-06-16T13:45:00.000Z');
    expect(parseUkLocalDateTime('2010-12-01 08:34')).toBe('2010-12-01T08:34:00.000Z');
    // The repeated hour reads as its first (BST) occurrence; the skipped hour as GMT.
    expect(parseUkLocalDateTime('2011-10-30 01:30:00')).toBe('2011-10-30T00:30:00.000Z');
    expect(parseUkLocalDateTime('2011-03-27 01:30:00')).toBe('2011-03-27T01:30:00.000Z');
    expect(parseUkLocalDateTime('2011-02-30 10:00:00')).toBeNull();
    expect(parseUkLocalDateTime('2011-06-16 25:00:00')).toBeNull();
    expect(parseUkLocalDateTime('yesterday')).toBeNull();
  });

  it('agrees with the Europe/London time zone data for every hour of 2010-2012', () => {
    const mismatches: string[] = [];
    const start = Date.parse('2010-01-01T00:00:00Z');
    const end = Date.parse('2013-01-01T00:00:00Z');
    for (let ms = start; ms < end; ms += 3_600_000) {
      const [y, mo, d, h, mi] = londonWall(ms);
      const back = ukLocalToUtcMillis(y, mo, d, h, mi);
      // The second pass through the repeated autumn hour cannot be told from the first.
      const repeated = back === ms - 3_600_000 && londonWall(ms - 3_600_000).join() === [y, mo, d, h, mi].join();
      if (back !== ms && !repeated) mismatches.push(new Date(ms).toISOString());
    }
    expect(mismatches).toEqual([]);
  });
});
