// Seeds a customer and a draft journey in an isolated installation (env from the CLI test) and
// prints their ids: `<customer id> <journey id>`.
import { cliClock, cliConfig } from '../../src/cli/context.js';
import { systemActor } from '../../src/audit/index.js';
import { findWorkspace } from '../../src/auth/index.js';
import { createLogger, newId } from '../../src/core/index.js';
import { writeCustomers } from '../../src/customers/index.js';
import { createJourney } from '../../src/journeys/index.js';
import { openStores } from '../../src/store/index.js';

const stores = await openStores(cliConfig(), { log: createLogger('silent'), command: 'journeys cli test seed', clock: cliClock() });
try {
  const ws = await findWorkspace(stores, process.argv[2]);
  if (!ws) throw new Error('no workspace');
  const customerId = newId();
  await writeCustomers(stores, ws.id, [{ id: customerId, name: '王小美', firstSeenAt: new Date('2026-01-01T00:00:00Z'), identifiers: [] }]);
  const graph = { trigger: { kind: 'manual' }, reentry: { mode: 'once' }, exits: [], start: 'w', steps: [{ id: 'w', kind: 'wait', duration: { days: 1 } }] };
  const j = await createJourney(stores, ws.id, { name: '手动旅程', graph }, { actor: systemActor });
  process.stdout.write(`${customerId} ${j.id}\n`);
} finally {
  await stores.close();
}
