/** Date and time formats of the import files, turned into ISO 8601 UTC strings. */

const HOUR_MS = 3_600_000;

/** Milliseconds since the epoch of a calendar date-time read as UTC, or null if no such date exists (e.g. 31 April). */
export function utcMillis(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number | null {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  // Date.UTC rolls 31 April over to 1 May; a real date survives the round trip.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return ms;
}

/** A calendar date at UTC midnight, ISO 8601; null if invalid. */
export function isoDate(year: number, month: number, day: number): string | null {
  const ms = utcMillis(year, month, day);
  return ms === null ? null : new Date(ms).toISOString();
}

/** CDNOW's YYYYMMDD. */
export function parseCompactDate(text: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  return m ? isoDate(Number(m[1]), Number(m[2]), Number(m[3])) : null;
}

/**
 * The date formats CFPB exports have used: YYYY-MM-DD, M/D/YYYY (spreadsheet exports) and
 * YYYY/M/D; a midnight time part (T00:00:00, as the API writes) is allowed. Two-digit years are
 * refused: 1/2/19 is ambiguous.
 */
export function parseFlexibleDate(text: string): string | null {
  const value = text.trim();
  let m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?(?:Z|[+-]00:?00)?)?$/.exec(value);
  if (m) return isoDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
  if (m) return isoDate(Number(m[3]), Number(m[1]), Number(m[2]));
  return null;
}

/** UTC milliseconds of 01:00 UTC on the last Sunday of a month: when EU summer time starts or ends. */
function lastSundayAtOneUtc(year: number, monthIndex: number): number {
  const lastDay = new Date(Date.UTC(year, monthIndex + 1, 0));
  const sunday = lastDay.getUTCDate() - lastDay.getUTCDay();
  return Date.UTC(year, monthIndex, sunday, 1);
}

/** Whether an instant falls in British Summer Time (EU rule: last Sunday of March to last Sunday of October, 01:00 UTC). */
export function isBritishSummerTime(utcMs: number): boolean {
  const year = new Date(utcMs).getUTCFullYear();
  return utcMs >= lastSundayAtOneUtc(year, 2) && utcMs < lastSundayAtOneUtc(year, 9);
}

/**
 * A UK wall-clock time (Europe/London: GMT in winter, BST = GMT+1 in summer) as a UTC instant.
 * The hour repeated when clocks go back is read as its first (BST) occurrence; a time inside
 * the hour skipped when clocks go forward is read as GMT (so 01:30 becomes 02:30 BST).
 */
export function ukLocalToUtcMillis(year: number, month: number, day: number, hour: number, minute: number, second = 0): number | null {
  const wall = utcMillis(year, month, day, hour, minute, second);
  if (wall === null) return null;
  const ifSummer = wall - HOUR_MS;
  return isBritishSummerTime(ifSummer) ? ifSummer : wall;
}

/**
 * Online Retail's invoice time, UK local: "YYYY-MM-DD HH:MM[:SS]" (the R export) or
 * "M/D/YYYY H:MM" (the original spreadsheet's CSV), to ISO 8601 UTC; null if invalid.
 */
export function parseUkLocalDateTime(text: string): string | null {
  const value = text.trim();
  let y: number, mo: number, d: number, h: number, mi: number, s: number;
  let m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (m) {
    [y, mo, d, h, mi, s] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  } else {
    m = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(value);
    if (!m) return null;
    [mo, d, y, h, mi, s] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  }
  const ms = ukLocalToUtcMillis(y, mo, d, h, mi, s);
  return ms === null ? null : new Date(ms).toISOString();
}
