import { useCallback, useState } from 'react';
import type { Page } from '../types';
import { useRequest } from './useRequest';

/**
 * Cursor paging with a stack of visited cursors, so "previous" works against an API that only
 * returns `nextCursor`. The stack resets when `resetKey` changes (e.g. a new search query).
 */
export function useCursorPager<T>(
  fetchPage: (cursor: string | null, signal: AbortSignal) => Promise<Page<T>>,
  resetKey: string,
) {
  const [position, setPosition] = useState<{ key: string; stack: (string | null)[] }>({ key: resetKey, stack: [null] });
  const stack = position.key === resetKey ? position.stack : [null];
  const cursor = stack[stack.length - 1] ?? null;
  const { data, error, loading, reload } = useRequest((signal) => fetchPage(cursor, signal), [resetKey, cursor]);
  const nextCursor = data?.nextCursor ?? null;

  const next = useCallback(() => {
    if (nextCursor) setPosition({ key: resetKey, stack: [...stack, nextCursor] });
  }, [nextCursor, resetKey, stack]);

  const prev = useCallback(() => {
    if (stack.length > 1) setPosition({ key: resetKey, stack: stack.slice(0, -1) });
  }, [resetKey, stack]);

  return {
    items: data?.items ?? [],
    error,
    loading,
    reload,
    page: stack.length,
    hasPrev: stack.length > 1,
    hasNext: nextCursor !== null,
    next,
    prev,
  };
}
