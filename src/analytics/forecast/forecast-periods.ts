/**
 * The periods of a forecast window: ISO weeks (Monday to Sunday) or calendar months, in UTC days,
 * clipped to the window [from, to) so the first and last may be partial.
 */
import { dayNumber, dayToIsoDate } from '../clv/summary';

export const FORECAST_INTERVALS = ['week', 'month'] as const;
export type ForecastInterval = (typeof FORECAST_INTERVALS)[number];

export interface DayPeriod {
  /** ISO week (2026-W07) or month (2026-02). */
  label: string;
  /** First day (day number, inclusive) and the day after the last. */
  start: number;
  end: number;
}

/** Day 0 (1970-01-01) was a Thursday: Monday is 3 days before a multiple of 7. */
const mondayOf = (day: number): number => day - ((day + 3) % 7);

function isoWeekLabel(monday: number): string {
  const thursday = new Date((monday + 3) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((monday + 3 - dayNumber(`${year}-01-01`)) / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

function nextMonth(day: number): number {
  const date = new Date(day * 86_400_000);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) / 86_400_000;
}

/** The periods covering [from, to), clipped to it. */
export function periodsOf(from: string, to: string, interval: ForecastInterval): DayPeriod[] {
  const first = dayNumber(from);
  const last = dayNumber(to);
  const periods: DayPeriod[] = [];
  let start = first;
  while (start < last) {
    const natural = interval === 'week' ? mondayOf(start) + 7 : nextMonth(start);
    const end = Math.min(natural, last);
    const label = interval === 'week' ? isoWeekLabel(mondayOf(start)) : dayToIsoDate(start).slice(0, 7);
    periods.push({ label, start, end });
    start = end;
  }
  return periods;
}

/** How many periods [from, to) holds, without building them (to refuse windows too long to answer). */
export function periodCountOf(from: string, to: string, interval: ForecastInterval): number {
  const days = dayNumber(to) - dayNumber(from);
  return interval === 'week' ? Math.ceil(days / 7) + 1 : Math.ceil(days / 28) + 1;
}
