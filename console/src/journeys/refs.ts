import { api } from '../api';
import { useRequest } from '../hooks/useRequest';
import type { Catalog } from '../pages/segments/types';

/** A message template as the messages API returns it (content depends on the channel). */
export interface MessageTemplate {
  id: string;
  name: string;
  channel: string;
  content: Record<string, unknown>;
  variables: string[];
  createdAt?: string;
  updatedAt?: string;
}

export interface GroupCodeRef {
  id: string;
  name: string;
}

export interface LiveCodeRef {
  id: string;
  name: string;
}

/** What journey steps and campaigns point at: message templates, tags, segments, group and live codes. */
export interface Refs {
  templates: MessageTemplate[];
  tags: Catalog['tags'];
  segments: Catalog['segments'];
  traits: Catalog['traits'];
  groupCodes: GroupCodeRef[];
  liveCodes: LiveCodeRef[];
}

const EMPTY: Refs = { templates: [], tags: [], segments: [], traits: [], groupCodes: [], liveCodes: [] };

async function items<T>(path: string, signal: AbortSignal): Promise<T[]> {
  try {
    const res = await api.get<{ items: T[] } | T[]>(path, { signal });
    return Array.isArray(res) ? res : res.items;
  } catch (err) {
    if (signal.aborted) throw err;
    return []; // a module that is not connected (e.g. WeCom) leaves its picker empty
  }
}

export function useRefs() {
  const state = useRequest(async (signal): Promise<Refs> => {
    const [templates, catalog, groupCodes, liveCodes] = await Promise.all([
      items<MessageTemplate>('/api/messages/templates', signal),
      api.get<Catalog>('/api/segments/fields', { signal }).catch(() => null),
      items<GroupCodeRef>('/api/wecom/group-codes', signal),
      items<LiveCodeRef>('/api/wecom/live-codes', signal),
    ]);
    return { templates, tags: catalog?.tags ?? [], segments: catalog?.segments ?? [], traits: catalog?.traits ?? [], groupCodes, liveCodes };
  }, []);
  return { ...state, refs: state.data ?? EMPTY };
}
