// A journeys worker in its own process, for the kill -9 test: DATABASE_URL, DATA_DIR (chDB) and
// SIYU_CLOCK_FILE come from the environment; it prints "ready" once it runs.
import { cliClock, cliConfig } from '../../src/cli/context.js';
import { createLogger } from '../../src/core/index.js';
import { openStores } from '../../src/store/index.js';
import { startJourneysWorker } from '../../src/journeys/index.js';

const stores = await openStores(cliConfig(), { log: createLogger('silent'), command: 'journeys test worker', clock: cliClock() });
startJourneysWorker(stores, { idleMs: 10, batch: Number(process.env.JOURNEY_BATCH ?? 5), triggerEveryMs: 1000 });
process.stdout.write('ready\n');
