import { ApiError, type Problem } from '../../api';
import { currentLanguage } from '../../i18n';
import type { FieldMapping, ImportEncoding, ImportKind, ImportView } from './types';

/** The console reads this much of a file for the preview; the server checks the same head. */
export const SAMPLE_BYTES = 64 * 1024;

export async function fileSample(file: File): Promise<{ sample: string; complete: boolean }> {
  const bytes = new Uint8Array(await file.slice(0, SAMPLE_BYTES).arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 8192) binary += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return { sample: btoa(binary), complete: file.size <= SAMPLE_BYTES };
}

/** POST /api/imports as multipart: the fields first, then the file (the server reads them in order). */
export async function uploadImport(input: { kind: ImportKind; encoding: ImportEncoding; mapping: FieldMapping; file: File }): Promise<ImportView> {
  const form = new FormData();
  form.append('kind', input.kind);
  form.append('encoding', input.encoding);
  form.append('mapping', JSON.stringify(input.mapping));
  form.append('file', input.file, input.file.name);
  const res = await fetch('/api/imports', { method: 'POST', body: form, credentials: 'same-origin', headers: { Accept: 'application/json, application/problem+json', 'Accept-Language': currentLanguage() } });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const problem = body && typeof body === 'object' && 'title' in body ? (body as Problem) : { type: 'about:blank', title: `HTTP ${res.status}`, status: res.status, code: 'http_error' };
    throw new ApiError(problem);
  }
  return body as ImportView;
}
