import fs from 'node:fs';
import path from 'node:path';
import type { ImportView, LocalFile } from '../imports/index.js';
import { fail } from './context.js';
import { progressBar } from './progress.js';

/**
 * Uploads a file to a running server (which holds the embedded stores), follows the job's
 * progress and saves its error report next to the file.
 */
export async function uploadToServer(url: string, key: string, workspace: string, local: LocalFile): Promise<{ view: ImportView; errorReport: string | null }> {
  const call = async (route: string, init: RequestInit = {}) => {
    const res = await fetch(`${url}${route}`, { ...init, headers: { authorization: `Bearer ${key}`, 'accept-language': 'en-US', ...init.headers } }).catch((err: Error) =>
      fail(`cannot reach the running server at ${url}: ${err.message}`),
    );
    if (!res.ok) {
      const p = (await res.json().catch(() => ({}))) as { detail?: string; title?: string; errors?: { path: string; message: string }[] };
      fail(`the server refused (${res.status}): ${p.detail ?? p.title ?? res.statusText}${(p.errors ?? []).map((e) => `\n  ${e.path}: ${e.message}`).join('')}`);
    }
    return res;
  };
  const me = (await (await call('/api/auth/me')).json()) as { workspace: { slug: string } };
  if (me.workspace.slug !== workspace) fail(`the API key belongs to workspace "${me.workspace.slug}", not "${workspace}"`);

  const form = new FormData();
  form.append('kind', local.kind);
  form.append('format', local.inspection.format);
  form.append('encoding', local.encoding);
  form.append('mapping', JSON.stringify(local.mapping));
  form.append('file', await fs.openAsBlob(local.path), path.basename(local.path));
  process.stderr.write(`uploading to ${url} (the server holds the stores)\n`);
  let view = (await (await call('/api/imports', { method: 'POST', body: form })).json()) as ImportView;

  const bar = progressBar(`importing ${local.kind}`, local.size);
  let waited = 0;
  try {
    while (view.status === 'queued' || view.status === 'running') {
      await new Promise((r) => setTimeout(r, 300));
      view = (await (await call(`/api/imports/${view.id}`)).json()) as ImportView;
      bar.update(view.progress.bytesDone);
      if (view.status === 'queued' && (waited += 300) === 30_000) process.stderr.write('\nstill queued: is a worker running (siyu serve, or --role worker)?\n');
    }
  } finally {
    bar.stop();
  }
  if (view.summary.failed === 0) return { view, errorReport: null };
  const errorReport = reportPath(local);
  fs.writeFileSync(errorReport, Buffer.from(await (await call(`/api/imports/${view.id}/errors?format=csv`)).arrayBuffer()));
  return { view, errorReport };
}

/** The error report is written next to the imported file. */
export function reportPath(local: LocalFile): string {
  return path.join(path.dirname(path.resolve(local.path)), `${path.basename(local.path)}.errors.csv`);
}
