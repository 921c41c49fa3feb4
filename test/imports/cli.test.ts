import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliEnv, siyu, startServer } from '../support/cli.js';
import { ordersCsv } from './support.js';

// `siyu import`: with the stores at hand it imports in-process with a progress bar; while a
// server holds the embedded stores it uploads to the server's API instead (with an API key).
let inst: Awaited<ReturnType<typeof cliEnv>>;
let key: string;
beforeAll(async () => {
  inst = await cliEnv();
  expect(siyu(['workspace', 'create', '--slug', 'brand', '--name', '花漾'], inst.env).code).toBe(0);
  key = siyu(['apikey', 'create', '--workspace', 'brand', '--role', 'operator'], inst.env).lastLine;
});
afterAll(() => inst?.cleanup());

const summary = (stdout: string) => stdout.match(/(\d+) rows read, (\d+) imported, (\d+) duplicates skipped, (\d+) failed/)!.slice(1).map(Number);

it('imports a file in-process: progress on stderr, summary and error report; the same file again adds nothing', () => {
  const file = ordersCsv(600, 200);
  const csv = path.join(inst.dataDir, '..', `${path.basename(inst.dataDir)}-orders.csv`);
  fs.writeFileSync(csv, file.csv);
  const r = siyu(['import', 'orders', csv, '--workspace', 'brand'], inst.env);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toContain('mapping: 订单号 → order_id, 会员ID → user_id');
  expect(r.stderr).toMatch(/importing orders: 100% \(\d+\/\d+\)/);
  expect(summary(r.stdout)).toEqual([600, 597, 0, 3]);
  const report = `${csv}.errors.csv`;
  expect(r.stdout).toContain(`error report (line, field, reason): ${report}`);
  const lines = fs.readFileSync(report, 'utf8').replace(/^\uFEFF/, '').trim().split('\n');
  expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual([...file.bad.keys()]);

  const again = siyu(['import', 'orders', csv, '--workspace', 'brand'], inst.env);
  expect(summary(again.stdout)).toEqual([600, 0, 597, 3]);
});

it('says what is wrong with the file or the mapping, in one place', () => {
  const csv = path.join(inst.dataDir, '..', `${path.basename(inst.dataDir)}-bad.csv`);
  fs.writeFileSync(csv, '单号,金额\nA1,12\n');
  const r = siyu(['import', 'orders', csv, '--workspace', 'brand', '--map', '单号=order_id'], inst.env);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('map a column to ordered_at');
  expect(r.stderr).toContain('map at least one identifier column');
  const noFile = siyu(['import', 'orders', '/nonexistent.csv', '--workspace', 'brand'], inst.env);
  expect(noFile.stderr.trim()).toBe('siyu: there is no file /nonexistent.csv');
  const badKind = siyu(['import', 'invoices', csv, '--workspace', 'brand'], inst.env);
  expect(badKind.code).not.toBe(0);
  expect(badKind.stderr).toContain('customers, orders, events');
});

it('uploads to the running server that holds the stores, or says how to', async () => {
  const file = ordersCsv(300, 100);
  const csv = path.join(inst.dataDir, '..', `${path.basename(inst.dataDir)}-served.csv`);
  fs.writeFileSync(csv, file.csv.replace(/\nO/g, '\nS')); // other order ids than the first file
  const server = await startServer(['--port', '0'], inst.env);
  try {
    const refused = siyu(['import', 'orders', csv, '--workspace', 'brand'], inst.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`Siyu is running at ${server.url}`);
    expect(refused.stderr).toContain('--api-key');

    const wrongWs = siyu(['import', 'orders', csv, '--workspace', 'other', '--api-key', key], inst.env);
    expect(wrongWs.stderr).toContain('the API key belongs to workspace "brand", not "other"');

    const r = siyu(['import', 'orders', csv, '--workspace', 'brand'], { ...inst.env, SIYU_API_KEY: key });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`uploading to ${server.url}`);
    expect(summary(r.stdout)).toEqual([300, 297, 0, 3]);
    expect(fs.readFileSync(`${csv}.errors.csv`, 'utf8')).toContain('must not be negative');

    const list = (await (await fetch(`${server.url}/api/imports`, { headers: { authorization: `Bearer ${key}` } })).json()) as { items: { summary: { imported: number } }[] };
    expect(list.items.map((i) => i.summary.imported)).toEqual([297, 0, 597]);
  } finally {
    await server.stop();
  }
});
