import fs from 'node:fs';
import { Argument, type Command, Option } from 'commander';
import { cliActor } from '../audit/index.js';
import { findWorkspace } from '../auth/index.js';
import { AppError } from '../core/index.js';
import { errorsCsv, IMPORT_KINDS, type ImportEncoding, type ImportFormat, type ImportKind, type ImportView, importLocalFile, importView, prepareLocalFile } from '../imports/index.js';
import { DataDirBusyError, isAlive, readLock, usesEmbeddedStores } from '../store/index.js';
import { cliConfig, fail, withStores } from './context.js';
import { progressBar } from './progress.js';
import { reportPath, uploadToServer } from './import-remote.js';

interface ImportOptions {
  workspace: string;
  map: string[];
  format?: ImportFormat;
  encoding: ImportEncoding;
  apiKey?: string;
}

/** `siyu import customers|orders|events <file>`: here with the stores, or through a running server's API. */
export function importCommands(program: Command): void {
  program
    .command('import')
    .description('import customers, orders or events from a CSV or JSONL file (importing the same file again adds nothing)')
    .addArgument(new Argument('<kind>', 'what the file holds').choices(IMPORT_KINDS))
    .argument('<file>', 'CSV with a header line, or JSONL (one JSON object a line)')
    .requiredOption('--workspace <slug>', 'workspace to import into')
    .option('--map <column=field>', 'map a column to a Siyu field, overriding the suggestion (repeatable; "column=" ignores the column)', (v: string, all: string[]) => [...all, v], [])
    .addOption(new Option('--format <format>', 'file format (default: from the file name)').choices(['csv', 'jsonl']))
    .addOption(new Option('--encoding <encoding>', 'text encoding (Excel in Chinese saves GB18030)').choices(['utf-8', 'gb18030']).default('utf-8'))
    .option('--api-key <key>', 'API key (role with customers:write) to upload to the running server; default SIYU_API_KEY')
    .action((kind: ImportKind, file: string, o: ImportOptions) => importCommand(kind, file, o));
}

async function importCommand(kind: ImportKind, file: string, o: ImportOptions): Promise<void> {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) fail(`there is no file ${file}`);
  const config = cliConfig();
  const local = await prepareLocalFile(file, { kind, format: o.format, encoding: o.encoding, overrides: parseMaps(o.map) }).catch(explain);
  process.stderr.write(`mapping: ${Object.entries(local.mapping).map(([c, f]) => `${c} → ${f}`).join(', ')}\n`);
  const unmapped = local.inspection.columns.filter((c) => !(c in local.mapping));
  if (unmapped.length) process.stderr.write(`ignored columns: ${unmapped.join(', ')}\n`);

  // Embedded stores belong to the process holding them: with a server running, go through its API.
  const holder = usesEmbeddedStores(config) ? readLock(config.dataDir) : null;
  if (holder && holder.pid !== process.pid && isAlive(holder.pid)) {
    if (!holder.url) fail(new DataDirBusyError(holder).message);
    const key = o.apiKey ?? process.env.SIYU_API_KEY;
    if (!key) {
      fail(
        `Siyu is running at ${holder.url} (pid ${holder.pid}) and holds the embedded stores. To import through it, pass --api-key <key> or set SIYU_API_KEY ` +
          `(create a key with the admin or operator role in the console: 设置 → API 密钥); or stop the server and run this command again.`,
      );
    }
    const job = await uploadToServer(holder.url, key, o.workspace, local);
    return report(job.view, job.errorReport);
  }

  await withStores('siyu import', async (s) => {
    const ws = await findWorkspace(s, o.workspace);
    if (!ws) fail(`there is no workspace "${o.workspace}" (create it with: siyu workspace create --slug ${o.workspace} --name …)`);
    const bar = progressBar(`importing ${kind}`, local.size);
    const job = await importLocalFile(s, ws.id, local, { createdBy: cliActor.name, onProgress: (j) => bar.update(Number(j.bytes_done)) }).finally(() => bar.stop());
    let errorReport: string | null = null;
    if (job.failed > 0) {
      errorReport = reportPath(local);
      const out = fs.createWriteStream(errorReport);
      for await (const text of errorsCsv(s, ws.id, job.id)) out.write(text);
      await new Promise<void>((done, failed) => out.end((err?: Error | null) => (err ? failed(err) : done())));
    }
    report(importView(job), errorReport);
  });
}

function parseMaps(maps: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of maps) {
    const at = m.lastIndexOf('=');
    if (at <= 0) fail(`--map takes column=field (e.g. --map 会员编号=user_id), not "${m}"`);
    out[m.slice(0, at).trim()] = m.slice(at + 1).trim();
  }
  return out;
}

/** A 4xx of the mapping or the file, as the lines a person reads. */
function explain(err: unknown): never {
  if (err instanceof AppError) fail([err.detail ?? err.message, ...(err.errors ?? []).filter((e) => e.path.startsWith('mapping.')).map((e) => `  ${e.path}: ${e.message}`)].join('\n'));
  throw err;
}

function report(job: ImportView, errorReport: string | null): void {
  const s = job.summary;
  process.stdout.write(`${job.status === 'completed' ? 'imported' : 'import stopped:'} ${job.kind} from ${job.filename}: ${s.rowsRead} rows read, ${s.imported} imported, ${s.duplicates} duplicates skipped, ${s.failed} failed\n`);
  if (job.message) process.stdout.write(`${job.message}\n`);
  if (errorReport) process.stdout.write(`error report (line, field, reason): ${errorReport}\n`);
  if (job.status !== 'completed') process.exit(1);
}
