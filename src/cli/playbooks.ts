import type { Command } from 'commander';
import { cliActor } from '../audit/index.js';
import { findWorkspace } from '../auth/index.js';
import { installPlaybook, listPlaybooks } from '../playbooks/index.js';
import { fail, withStores } from './context.js';

/** `siyu journeys templates` and `siyu journeys install <key>` (on the `journeys` command, shared with the engine's). */
export function playbookCommands(program: Command): void {
  const journeys = program.commands.find((c) => c.name() === 'journeys') ?? program.command('journeys').description('journeys (SOP automation)');
  journeys
    .command('templates')
    .description('list the playbook templates (模板库) and whether each is installed')
    .option('--workspace <slug>', 'workspace', 'demo')
    .action((o) =>
      withStores('siyu journeys templates', async (s) => {
        const ws = await findWorkspace(s, o.workspace);
        if (!ws) fail(`there is no workspace "${o.workspace}"`);
        for (const p of await listPlaybooks(s, ws.id)) {
          process.stdout.write(`${p.key.padEnd(26)} ${p.name}  ${p.triggerSummary}  (${p.steps} steps)${p.installed ? `  installed: ${p.installed}` : ''}\n`);
        }
      }),
    );
  journeys
    .command('install <key>')
    .description('install a playbook template: its message templates, tags, segments and the journey')
    .option('--workspace <slug>', 'workspace', 'demo')
    .option('--publish', 'go live at once')
    .option('--group-code <id>', 'group live code for a group invite (default: the oldest)')
    .action((key: string, o) =>
      withStores('siyu journeys install', async (s) => {
        const ws = await findWorkspace(s, o.workspace);
        if (!ws) fail(`there is no workspace "${o.workspace}"`);
        const { journey, items } = await installPlaybook(s, ws, key, { publish: !!o.publish, groupCodeId: o.groupCode }, { actor: cliActor });
        for (const i of items) process.stdout.write(`${i.created ? 'created' : 'reused '} ${i.kind.padEnd(16)} ${i.name}\n`);
        process.stdout.write(`journey "${journey.name}" (${journey.status})\n${journey.id}\n`);
      }),
    );
}
