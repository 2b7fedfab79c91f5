import {
  comparePositions,
  formatPosition,
  isAfter,
  isAtOrAfter,
  laterOf,
  parsePosition,
  type Position,
  positionOf,
  START,
} from '../../src/shared/event-store/position';

describe('Position (opaque)', () => {
  const early = positionOf(1536n);
  const late = positionOf(1867n);

  it('orders positions, START before every event', () => {
    expect(comparePositions(early, late)).toBeLessThan(0);
    expect(comparePositions(late, early)).toBeGreaterThan(0);
    expect(comparePositions(late, positionOf(1867n))).toBe(0);
    expect(isAfter(early, START)).toBe(true);
    expect(isAfter(early, early)).toBe(false);
    expect(isAtOrAfter(early, early)).toBe(true);
    expect(laterOf(early, late)).toBe(late);
    expect(laterOf(late, early)).toBe(late);
  });

  it('round-trips through its decimal form, and refuses anything else', () => {
    expect(formatPosition(late)).toBe('1867');
    expect(parsePosition(formatPosition(late))).toBe(late);
    expect(parsePosition('-1')).toBe(START);
    for (const text of ['', '1.5', '0x10', '12 ', 'abc']) expect(() => parsePosition(text)).toThrow(RangeError);
  });

  it('is refused by the compiler in arithmetic and in comparisons with numbers (type-checked by tsc)', () => {
    const arithmetic = (p: Position) => [
      // @ts-expect-error positions are byte offsets on EventStoreDB: p - 1 is no record
      p - 1n,
      // @ts-expect-error no distance in events can be made of positions
      p + 500n,
      // @ts-expect-error nor compared with a number
      p > 0n,
    ];
    expect(arithmetic).toBeInstanceOf(Function);
  });
});
