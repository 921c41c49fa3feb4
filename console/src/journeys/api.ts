import { api, ApiError } from '../api';
import type { GraphError, Journey, JourneyGraph, JourneySummary, PlaybookTemplate, StepCounts } from './types';

export const journeysApi = {
  list: (signal?: AbortSignal) => api.get<{ items: JourneySummary[] }>('/api/journeys', { signal }).then((r) => r.items),
  get: (id: string, signal?: AbortSignal) => api.get<Journey>(`/api/journeys/${id}`, { signal }),
  create: (body: { name: string; description?: string; graph: JourneyGraph }) => api.post<Journey>('/api/journeys', body),
  save: (id: string, body: { name?: string; description?: string; graph: JourneyGraph }) => api.put<Journey>(`/api/journeys/${id}`, body),
  validate: (graph: JourneyGraph) => api.post<{ ok: boolean; errors: GraphError[] }>('/api/journeys/validate', { graph }),
  action: (id: string, action: 'publish' | 'pause' | 'resume' | 'archive') => api.post<Journey>(`/api/journeys/${id}/${action}`),
  /** Live counts per step id (steps nobody reached are absent). */
  steps: (id: string, signal?: AbortSignal) => api.get<Record<string, StepCounts>>(`/api/journeys/${id}/steps`, { signal }),
  templates: (signal?: AbortSignal) => api.get<{ items: PlaybookTemplate[] }>('/api/journeys/templates', { signal }).then((r) => r.items),
  /** The created journey (a draft), with the message templates, tags and segments it reused or made. */
  install: (key: string) => api.post<Journey>(`/api/journeys/templates/${encodeURIComponent(key)}/install`),
};

/** The graph errors carried by a 400 from save / publish, if any. */
export function graphErrorsOf(err: unknown): { step?: string | null; path?: string; code?: string; message: string }[] | null {
  if (!(err instanceof ApiError)) return null;
  const p = err.problem as unknown as { errors?: { step?: string | null; path?: string; code?: string; message: string }[] };
  return p.errors?.length ? p.errors : null;
}
