import type { Command } from 'commander';
import { cliActor } from '../audit/index.js';
import { findWorkspace } from '../auth/index.js';
import { enterJourney, listJourneys, publishJourney } from '../journeys/index.js';
import type { Stores } from '../store/index.js';
import { fail, withStores } from './context.js';

async function workspaceOf(s: Stores, slug: string): Promise<string> {
  const ws = await findWorkspace(s, slug);
  if (!ws) fail(`there is no workspace "${slug}"`);
  return ws.id;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `siyu journeys list|publish|enter` (on the `journeys` command, shared with the playbook templates). */
export function journeyCommands(program: Command): void {
  const journeys = program.commands.find((c) => c.name() === 'journeys') ?? program.command('journeys').description('journeys (SOP automation)');
  journeys
    .command('list')
    .description('the journeys of a workspace: status, live version and runs per status')
    .option('--workspace <slug>', 'workspace', 'demo')
    .action((o) =>
      withStores('siyu journeys list', async (s) => {
        const list = await listJourneys(s, await workspaceOf(s, o.workspace));
        if (!list.length) process.stdout.write(`no journeys in ${o.workspace} (install one: siyu journeys templates)\n`);
        for (const j of list) {
          const counts = Object.entries(j.counts)
            .filter(([, n]) => n)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ');
          process.stdout.write(`${j.id}  ${j.status.padEnd(8)} ${j.liveVersion ? `v${j.liveVersion}` : '-'}  ${j.name}${counts ? `  (${counts})` : ''}\n`);
        }
      }),
    );
  journeys
    .command('publish <id>')
    .description('publish the draft as a new live version (runs in flight finish their version)')
    .option('--workspace <slug>', 'workspace', 'demo')
    .action((id: string, o) =>
      withStores('siyu journeys publish', async (s) => {
        if (!UUID.test(id)) fail(`"${id}" is not a journey id (see: siyu journeys list)`);
        const j = await publishJourney(s, await workspaceOf(s, o.workspace), id, { actor: cliActor });
        process.stdout.write(`journey "${j.name}" is ${j.status}, version ${j.liveVersion}\n`);
      }),
    );
  journeys
    .command('enter <id>')
    .description('put customers into a live journey now (manual / API trigger; re-entry rules apply)')
    .option('--workspace <slug>', 'workspace', 'demo')
    .requiredOption('--customer <id...>', 'customer id (several allowed)')
    .action((id: string, o: { workspace: string; customer: string[] }) =>
      withStores('siyu journeys enter', async (s) => {
        if (!UUID.test(id)) fail(`"${id}" is not a journey id (see: siyu journeys list)`);
        const bad = o.customer.find((c) => !UUID.test(c));
        if (bad) fail(`"${bad}" is not a customer id`);
        const r = await enterJourney(s, await workspaceOf(s, o.workspace), id, o.customer);
        process.stdout.write(`entered ${r.entered}, skipped ${r.skipped} (already in it or re-entry not allowed)\n`);
      }),
    );
}
