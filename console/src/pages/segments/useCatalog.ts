import { api } from '../../api';
import { useRequest } from '../../hooks/useRequest';
import type { Catalog } from './types';

/** What rules can refer to in this workspace (fields and their operators, tags, segments). */
export function useCatalog() {
  return useRequest((signal) => api.get<Catalog>('/api/segments/fields', { signal }), []);
}
