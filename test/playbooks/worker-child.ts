// The journeys worker and the outbox dispatcher in their own process, for the kill -9 run of the
// 7-day plan: DATABASE_URL, DATA_DIR and SIYU_CLOCK_FILE come from the environment; prints "ready".
import { cliClock, cliConfig } from '../../src/cli/context.js';
import { createLogger } from '../../src/core/index.js';
import { openStores } from '../../src/store/index.js';
import { runJourneysOnce } from '../../src/journeys/index.js';
import { dispatchOnce } from '../../src/messages/index.js';

const stores = await openStores(cliConfig(), { log: createLogger('silent'), command: 'playbooks test worker', clock: cliClock() });
process.stdout.write('ready\n');
for (;;) {
  // Triggers stay with the parent (it holds the events); this process runs due steps and sends.
  const r = await runJourneysOnce(stores, { triggers: false, batch: 2 });
  const d = await dispatchOnce(stores, { limit: 2 });
  if (r.executed === 0 && d.claimed === 0) await new Promise((res) => setTimeout(res, 5));
}
