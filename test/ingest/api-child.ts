// The collection API in its own process, for the kill -9 test: DATABASE_URL, DATA_DIR and PORT come
// from the environment; with INGEST_STALL=1 its events-store inserts never finish, so acknowledged
// events are only in its log when it is killed. It prints "ready" once it listens.
import { buildServer } from '../../src/api/index.js';
import { cliConfig } from '../../src/cli/context.js';
import { createLogger } from '../../src/core/index.js';
import { openStores } from '../../src/store/index.js';

const config = cliConfig();
const stores = await openStores(config, { log: createLogger('silent'), command: 'ingest test api' });
if (process.env.INGEST_STALL === '1') stores.events.insert = () => new Promise(() => undefined);
const app = await buildServer(stores, { logger: false });
await app.listen({ port: config.port, host: '127.0.0.1' });
process.stdout.write('ready\n');
