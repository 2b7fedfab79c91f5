import { pageByKey, pageByKeyFromStream, type SortKey } from '../../src/analytics/paging';

interface Valued {
  id: string;
  value: number | null;
}

/** A deterministic mix of values, ties and nulls (a customer without a prediction sorts last). */
function customers(count: number): Valued[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `c-${String((i * 7919) % count).padStart(5, '0')}`,
    value: i % 11 === 0 ? null : (i * 37) % 101,
  }));
}

async function* streamed<T>(items: readonly T[]): AsyncIterable<T> {
  for (const item of items) yield item;
}

const descending = (item: Valued): SortKey => [item.value === null ? null : -item.value, item.id];

/** Every page, following nextCursor from the first. */
async function allPages(
  items: Valued[],
  limit: number,
  page: (cursor: string | undefined) => Promise<{ items: Valued[]; nextCursor: string | null }>,
) {
  const pages: { ids: string[]; nextCursor: string | null }[] = [];
  let cursor: string | undefined;
  do {
    const next = await page(cursor);
    pages.push({ ids: next.items.map((item) => item.id), nextCursor: next.nextCursor });
    cursor = next.nextCursor ?? undefined;
  } while (cursor !== undefined && pages.length <= items.length);
  return pages;
}

describe('paging a computed list as it streams in', () => {
  it.each([
    [0, 5],
    [1, 5],
    [5, 5],
    [6, 5],
    [120, 1],
    [1_234, 50],
    [1_234, 1_000],
    [2_000, 499],
  ])('answers the same pages as sorting the whole list (%i items, limit %i)', async (count, limit) => {
    const items = customers(count);
    const turns = { itemsPerTurn: 100, giveWay: async () => undefined };
    const expected = await allPages(items, limit, async (cursor) => pageByKey(items, descending, limit, cursor));
    const actual = await allPages(items, limit, (cursor) => pageByKeyFromStream(streamed(items), descending, limit, cursor, turns));
    expect(actual).toEqual(expected);
    expect(actual.flatMap((page) => page.ids)).toHaveLength(count);
  });

  it('gives the event loop a turn every itemsPerTurn items', async () => {
    let taken = 0;
    const turns = {
      itemsPerTurn: 250,
      giveWay: async () => {
        taken += 1;
      },
    };
    await pageByKeyFromStream(streamed(customers(250 * 4 + 3)), descending, 10, undefined, turns);
    expect(taken).toBe(4);
  });

  it('refuses a cursor it did not make', async () => {
    await expect(
      pageByKeyFromStream(streamed(customers(3)), descending, 2, 'garbage', { itemsPerTurn: 100, giveWay: async () => undefined }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
