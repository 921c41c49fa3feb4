import { Command, InvalidArgumentError, Option } from 'commander';
import { cliActor } from '../audit/index.js';
import {
  createApiKey,
  createOperator,
  createWriteKey,
  ensureWorkspace,
  findOperatorByEmail,
  findWorkspace,
  generatePassword,
  isRole,
  ROLES,
  setMembership,
  setPassword,
} from '../auth/index.js';
import { loadDemo } from '../demo/index.js';
import { migrateEventsStore, migrateStateStore } from '../store/index.js';
import { fail, withStores } from './context.js';
import { doctor } from './doctor.js';
import { importCommands } from './import.js';
import { progressBar } from './progress.js';
import { serve } from './serve.js';
import { wecomCommands } from './wecom.js';
import { playbookCommands } from './playbooks.js';
import { journeyCommands } from './journeys.js';

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number`);
  return n;
};
const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number`);
  return n;
};

/** Prints the new secret alone on the last line of stdout, so scripts can `| tail -1`. */
const printSecret = (label: string, secret: string) => process.stdout.write(`${label}\n${secret}\n`);

async function workspaceId(stores: Parameters<Parameters<typeof withStores>[1]>[0], slug: string): Promise<string> {
  const ws = await findWorkspace(stores, slug);
  if (!ws) fail(`there is no workspace "${slug}" (create it with: siyu workspace create --slug ${slug} --name …)`);
  return ws.id;
}

const program = new Command('siyu').description('Siyu (私域): private-domain growth platform').showHelpAfterError();

program
  .command('serve')
  .description('start Siyu (API, console and workers)')
  .addOption(new Option('--role <role>', 'which part to run').choices(['api', 'worker', 'all']).default('all'))
  .option('--demo', 'create the demo brand on first start', false)
  .option('--customers <n>', 'demo brand size', int('--customers'), 20000)
  .option('--port <port>', 'port (overrides PORT)', int('--port'))
  .action((o) => serve({ role: o.role, demo: o.demo, customers: o.customers, port: o.port }));

program
  .command('migrate')
  .description('apply pending migrations to both stores')
  .action(() =>
    withStores('siyu migrate', async (s) => {
      // openStores already migrated; running again reports that nothing is pending.
      const applied = [...(await migrateStateStore(s.db)), ...(await migrateEventsStore(s.events))];
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'both stores are up to date\n');
    }),
  );

program
  .command('demo')
  .description('create the demo brand (workspace "demo"); running it again adds nothing')
  .option('--customers <n>', 'number of customers', int('--customers'), 20000)
  .option('--seed <n>', 'random seed', int('--seed'), 42)
  .option('--mean-orders <n>', 'mean orders per customer', num('--mean-orders'))
  .option('--event-density <x>', 'share of browsing events kept, 0..1', num('--event-density'))
  .action((o) =>
    withStores('siyu demo', async (s) => {
      const bar = progressBar('demo brand', o.customers);
      const r = await loadDemo(s, { customers: o.customers, seed: o.seed, meanOrders: o.meanOrders, eventDensity: o.eventDensity, actor: cliActor, onProgress: (d) => bar.update(d) });
      bar.stop();
      process.stdout.write(
        r.generated
          ? `demo brand ready: ${r.customers} customers, ${r.orders} orders, ${r.events} events\n`
          : `the demo brand exists already (${r.customers} customers): nothing to do\n`,
      );
    }),
  );

program.command('doctor').description('check configuration and both stores').action(doctor);

const workspace = program.command('workspace').description('workspaces');
workspace
  .command('create')
  .requiredOption('--slug <slug>', 'short name used in URLs')
  .requiredOption('--name <name>', 'display name')
  .option('--timezone <tz>', 'IANA time zone (default SIYU_TIMEZONE)')
  .action((o) =>
    withStores('siyu workspace create', async (s) => {
      const { workspace: ws, created } = await ensureWorkspace(s, { slug: o.slug, name: o.name, timezone: o.timezone }, cliActor);
      process.stdout.write(`${created ? 'created' : 'exists already'}: workspace ${ws.slug}\n${ws.id}\n`);
    }),
  );

const operator = program.command('operator').description('operators (people who sign in to the console)');
operator
  .command('create')
  .requiredOption('--email <email>')
  .option('--name <name>', 'display name')
  .option('--password <password>', 'at least 8 characters (generated when omitted)')
  .option('--workspace <slug>', 'add to this workspace')
  .addOption(new Option('--role <role>', 'role in the workspace').choices([...ROLES]).default('operator'))
  .action((o) =>
    withStores('siyu operator create', async (s) => {
      const password = o.password ?? generatePassword();
      const op = await createOperator(s, { email: o.email, name: o.name ?? o.email.split('@')[0], password });
      if (o.workspace) await setMembership(s, await workspaceId(s, o.workspace), op.id, o.role, cliActor);
      printSecret(`created operator ${op.email}${o.workspace ? ` (${o.role} of ${o.workspace})` : ''}; password:`, password);
    }),
  );
operator
  .command('password')
  .description('set a new password (generated when omitted)')
  .requiredOption('--email <email>')
  .option('--password <password>')
  .action((o) =>
    withStores('siyu operator password', async (s) => {
      const op = await findOperatorByEmail(s, o.email);
      if (!op) fail(`no operator with email ${o.email}`);
      const password = o.password ?? generatePassword();
      await setPassword(s, op.id, password);
      printSecret(`new password for ${op.email}:`, password);
    }),
  );

program
  .command('apikey')
  .description('API keys')
  .command('create')
  .requiredOption('--workspace <slug>')
  .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
  .option('--name <name>', 'what the key is for', 'cli')
  .action((o) =>
    withStores('siyu apikey create', async (s) => {
      if (!isRole(o.role)) fail(`--role must be one of ${ROLES.join(', ')}`);
      const key = await createApiKey(s, await workspaceId(s, o.workspace), { name: o.name, role: o.role }, { actor: cliActor, role: 'owner' });
      printSecret(`API key "${key.name}" (${key.role}) for ${o.workspace}, shown once:`, key.key);
    }),
  );

program
  .command('writekey')
  .description('ingestion write keys')
  .command('create')
  .requiredOption('--workspace <slug>')
  .option('--name <name>', 'what the key is for', 'cli')
  .action((o) =>
    withStores('siyu writekey create', async (s) => {
      const key = await createWriteKey(s, await workspaceId(s, o.workspace), { name: o.name }, { actor: cliActor });
      printSecret(`write key "${key.name}" for ${o.workspace}, shown once:`, key.key);
    }),
  );

wecomCommands(program);
importCommands(program);
playbookCommands(program);
journeyCommands(program);

await program.parseAsync(process.argv);
