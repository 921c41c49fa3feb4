import type { Command } from 'commander';
import { SIMULATOR_PREFIX } from '../wecom/index.js';
import { readLock } from '../store/index.js';
import { cliConfig, fail } from './context.js';

/** The simulator of the running demo server (`siyu serve --demo`), or the one at --url. */
function simulatorUrl(url: string | undefined): string {
  if (url) return url.replace(/\/$/, '');
  const lock = readLock(cliConfig().dataDir);
  if (!lock?.url) fail('no running Siyu found in DATA_DIR: start `siyu serve --demo` (or `npm start`), or pass --url of a simulator');
  return `${lock.url}${SIMULATOR_PREFIX}`;
}

async function control(url: string | undefined, action: string, body: Record<string, unknown>): Promise<void> {
  const base = simulatorUrl(url);
  const res = await fetch(`${base}/sim/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).catch((err: Error) =>
    fail(`cannot reach the WeCom simulator at ${base}: ${err.message}`),
  );
  const answer = (await res.json().catch(() => null)) as { errcode?: number; errmsg?: string; result?: unknown } | null;
  if (!answer || answer.errcode !== 0) fail(`the simulator refused: ${answer?.errcode ?? res.status} ${answer?.errmsg ?? ''}`);
  process.stdout.write(JSON.stringify(answer.result, null, 2) + '\n');
}

const count = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) fail('--count must be a whole number from 1 to 10000');
  return n;
};

/** `siyu wecom simulate …`: customers and staff acting in the simulated WeCom of the demo. */
export function wecomCommands(program: Command): void {
  const simulate = program.command('wecom').description('WeCom (企业微信)').command('simulate').description('act in the simulated WeCom of the demo brand');
  simulate
    .command('add-contact')
    .description('customers scan a live code (its state, shown in the console, or its config id) and add the staff member')
    .requiredOption('--code <code>', 'live code state or config id')
    .option('--count <n>', 'how many customers', count, 1)
    .option('--name <name>', 'the customer’s WeChat name')
    .option('--unionid <id>', 'the customer’s WeChat unionid (links them to a mini-program buyer)')
    .option('--url <url>', 'simulator base URL (default: the running demo server’s)')
    .action((o) => control(o.url, 'add-contact', { code: o.code, count: o.count, name: o.name, unionid: o.unionid }));
  simulate
    .command('join-group')
    .description('customers scan a group live code (state or config id) and join a group')
    .requiredOption('--code <code>', 'group code state or config id')
    .option('--count <n>', 'how many customers', count, 1)
    .option('--url <url>', 'simulator base URL')
    .action((o) => control(o.url, 'join-group', { code: o.code, count: o.count }));
  simulate
    .command('send-message')
    .description('staff confirm their pending mass sends (企业群发 needs the sender to confirm in WeCom)')
    .option('--userid <userid>', 'only this staff member')
    .option('--msgid <msgid>', 'only this mass send')
    .option('--url <url>', 'simulator base URL')
    .action((o) => control(o.url, 'send-message', { userid: o.userid, msgid: o.msgid }));
}
