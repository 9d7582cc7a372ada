// Trigger.dev's cursor pages (`runs.list`, `wait.listTokens`): one page, its next page on demand, and `for await`
// over every item of this page and the ones after it.

export interface CursorPage<T> extends AsyncIterable<T> {
  data: T[];
  pagination: { next?: string };
  hasNextPage(): boolean;
  getNextPage(): Promise<CursorPage<T>>;
}

/** The page `fetch(after)` answers, with its items mapped by `item`; `what` names the list in errors. */
export async function cursorPage<R, T>(
  what: string,
  fetch: (after: string | undefined) => Promise<{ data: R[]; pagination: { next?: string } }>,
  item: (r: R) => T,
  after?: string,
): Promise<CursorPage<T>> {
  const res = await fetch(after);
  const page: CursorPage<T> = {
    data: res.data.map(item),
    pagination: res.pagination,
    hasNextPage: () => res.pagination.next !== undefined,
    getNextPage: () => {
      if (res.pagination.next === undefined) return Promise.reject(new Error(`${what}: there is no next page`));
      return cursorPage(what, fetch, item, res.pagination.next);
    },
    [Symbol.asyncIterator]: () => walkPages(page),
  };
  return page;
}

/** Trigger.dev's numbered pages (`schedules.list`): one page, its neighbours on demand, and `for await` from it on. */
export interface OffsetPage<T> extends AsyncIterable<T> {
  data: T[];
  pagination: { currentPage: number; totalPages: number; count: number };
  hasNextPage(): boolean;
  getNextPage(): Promise<OffsetPage<T>>;
  hasPreviousPage(): boolean;
  getPreviousPage(): Promise<OffsetPage<T>>;
}

/** Page `page` (from 1) as `fetch` answers it, with its items mapped by `item`; `what` names the list in errors. */
export async function offsetPage<R, T>(
  what: string,
  fetch: (page: number) => Promise<{ data: R[]; pagination: { currentPage: number; totalPages: number; count: number } }>,
  item: (r: R) => T,
  page = 1,
): Promise<OffsetPage<T>> {
  const res = await fetch(page);
  const { currentPage, totalPages } = res.pagination;
  const result: OffsetPage<T> = {
    data: res.data.map(item),
    pagination: res.pagination,
    hasNextPage: () => currentPage < totalPages,
    getNextPage: () =>
      currentPage < totalPages ? offsetPage(what, fetch, item, currentPage + 1) : Promise.reject(new Error(`${what}: there is no next page`)),
    hasPreviousPage: () => currentPage > 1,
    getPreviousPage: () => (currentPage > 1 ? offsetPage(what, fetch, item, currentPage - 1) : Promise.reject(new Error(`${what}: there is no previous page`))),
    [Symbol.asyncIterator]: () => walkPages(result),
  };
  return result;
}

/** Every item of `first` and of each page after it, fetched as the reader gets to it. */
async function* walkPages<T, P extends { data: T[]; hasNextPage(): boolean; getNextPage(): Promise<P> }>(first: P): AsyncGenerator<T> {
  let current = first;
  for (;;) {
    yield* current.data;
    if (!current.hasNextPage()) return;
    current = await current.getNextPage();
  }
}
