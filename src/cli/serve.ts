import { systemActor } from '../audit/index.js';
import { bootstrapOwner, deleteExpiredSessions, ensureWorkspace } from '../auth/index.js';
import { buildServer } from '../api/index.js';
import { startIngestWorker } from '../ingest/index.js';
import { startImportWorker } from '../imports/index.js';
import { loadDemo } from '../demo/index.js';
import { startSegmentsWorker } from '../segments/index.js';
import { startMessagesWorker } from '../messages/index.js';
import { mountChannelsDemo } from '../channels/index.js';
import { startCampaignsWorker } from '../campaigns/index.js';
import { startJourneysWorker } from '../journeys/index.js';
import { mountWecomDemo, startWecomWorker } from '../wecom/index.js';
import type { Stores } from '../store/index.js';
import { cliConfig, fail, openForCli } from './context.js';
import { progressBar } from './progress.js';

export type Role = 'api' | 'worker' | 'all';

export interface ServeOptions {
  role: Role;
  demo: boolean;
  customers: number;
  port?: number;
}

export async function serve(opts: ServeOptions): Promise<void> {
  const config = cliConfig(opts.port !== undefined ? { port: opts.port } : {});
  const stores = await openForCli(`siyu serve --role ${opts.role}`, config);
  const credentials = await prepareWorkspaces(stores, opts);

  const stops: (() => Promise<void>)[] = [];
  let url: string | undefined;
  if (opts.role !== 'worker') {
    const app = await buildServer(stores, { console: true });
    // The demo brand's WeCom is the local simulator, mounted on this server before it listens.
    const wecomDemo = opts.demo ? await mountWecomDemo(stores, app) : null;
    // Its SMS gateway and mini-program API too (/_sms-sim, /_mp-sim): only with --demo.
    const channelsDemo = opts.demo ? await mountChannelsDemo(stores, app) : null;
    try {
      await app.listen({ port: config.port, host: config.host });
    } catch (err) {
      await stores.close();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') fail(`port ${config.port} on ${config.host} is in use: stop the program using it or set PORT to a free port`);
      if (code === 'EACCES') fail(`not allowed to listen on port ${config.port}: choose a port above 1024 with PORT`);
      throw err;
    }
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    url = config.publicUrl ?? `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
    stores.lock?.update({ url });
    if (channelsDemo) await channelsDemo.connect(`http://${['0.0.0.0', '::'].includes(config.host) ? '127.0.0.1' : config.host}:${port}`);
    if (wecomDemo) {
      await wecomDemo.connect(`http://${['0.0.0.0', '::'].includes(config.host) ? '127.0.0.1' : config.host}:${port}`);
      stops.push(() => wecomDemo.stop());
    }
    stops.push(() => app.close());
  }
  if (opts.role !== 'api') stops.push(startWorker(stores));
  if (opts.role !== 'api') stops.push(startSegmentsWorker(stores));
  if (opts.role !== 'api') stops.push(startWecomWorker(stores));
  if (opts.role !== 'api') stops.push(startImportWorker(stores));
  if (opts.role !== 'api') stops.push(startMessagesWorker(stores));
  if (opts.role !== 'api') stops.push(startCampaignsWorker(stores));
  if (opts.role !== 'api') stops.push(startJourneysWorker(stores));

  banner(url, opts.role, credentials);
  const shutdown = async (signal: string) => {
    stores.log.info({ signal }, 'shutting down');
    for (const stop of stops) await stop().catch(() => undefined);
    await stores.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

/** Demo data on request, a first workspace otherwise, and the first owner on a fresh install. */
async function prepareWorkspaces(stores: Stores, opts: ServeOptions) {
  if (opts.demo) {
    const bar = progressBar('demo brand', opts.customers);
    const result = await loadDemo(stores, { customers: opts.customers, onProgress: (done) => bar.update(done) });
    bar.stop();
    if (result.generated) process.stderr.write(`demo brand ready: ${result.customers} customers, ${result.orders} orders, ${result.events} events\n`);
  } else {
    const any = await stores.db.selectFrom('workspaces').select('id').executeTakeFirst();
    if (!any) await ensureWorkspace(stores, { slug: 'main', name: '我的品牌' }, systemActor);
  }
  return bootstrapOwner(stores);
}

/** Background maintenance; later modules add their workers (imports, journeys) here. */
function startWorker(stores: Stores): () => Promise<void> {
  const tick = () => deleteExpiredSessions(stores).catch((err) => stores.log.error({ err }, 'session cleanup failed'));
  void tick();
  const timer = setInterval(tick, 3_600_000);
  const stopIngest = startIngestWorker(stores);
  return async () => {
    clearInterval(timer);
    await stopIngest();
  };
}

function banner(url: string | undefined, role: Role, credentials: Awaited<ReturnType<typeof bootstrapOwner>>): void {
  const lines = [''];
  if (url) lines.push(`Siyu is running: ${url}`, `API docs: ${url}/docs`);
  else lines.push(`Siyu ${role} is running`);
  if (credentials?.generatedPassword) {
    lines.push(`Sign in with ${credentials.email} / ${credentials.generatedPassword}`, '(this password is shown once; change it with `siyu operator password`)');
  } else if (credentials) {
    lines.push(`Sign in with ${credentials.email} and the password in SIYU_ADMIN_PASSWORD`);
  } else if (url) {
    lines.push('Sign in with your operator account (forgot it? siyu operator password --email <email>)');
  }
  process.stdout.write(lines.join('\n') + '\n\n');
}
