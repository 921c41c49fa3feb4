import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemActor } from '../../src/audit/index.js';
import { createWriteKey } from '../../src/auth/index.js';
import { importLocalFile, prepareLocalFile } from '../../src/imports/index.js';
import { drainInbox, ingestBatch } from '../../src/ingest/index.js';
import { apiKey, bearer, seedWorkspace, type TestApp, testApp } from '../support/app.js';
import { tempFile } from './support.js';

// A member list from the CRM lands on the customers Siyu already knows from live events: found
// by phone, unionid or member id through OneID, not duplicated.
let t: TestApp;
let ws: string;
let admin: string;
beforeAll(async () => {
  t = await testApp();
  ws = (await seedWorkspace(t.ctx, 'crm-import')).id;
  admin = await apiKey(t.ctx, ws, 'admin');
  await createWriteKey(t.ctx, ws, { name: 'live' }, { actor: systemActor });
});
afterAll(() => t?.close());

const byId = async (type: string, value: string) => (await t.app.inject({ url: `/api/customers/by-identifier/${type}/${encodeURIComponent(value)}`, headers: bearer(admin) })).json();

async function customerCount(): Promise<number> {
  const r = await t.ctx.db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', ws).where('merged_into', 'is', null).executeTakeFirstOrThrow();
  return Number(r.n);
}

it('merges imported customers into existing ones by their identifiers, reports bad rows, and adds nothing the second time', async () => {
  await ingestBatch(t.ctx, ws, {
    batch: [
      { type: 'identify', userId: 'M1', traits: { phone: '13800138000', city: '杭州' }, timestamp: '2026-06-01T00:00:00Z' },
      { type: 'track', anonymousId: 'device-9', event: 'Page Viewed', context: { externalIds: [{ id: 'U2', type: 'wechat_unionid' }] } },
    ],
  }, { receivedAt: t.ctx.clock.now(), ip: '' });
  await drainInbox(t.ctx);
  const m1 = (await byId('user_id', 'M1')).id;
  const u2 = (await byId('wechat_unionid', 'U2')).id;
  expect(await customerCount()).toBe(2);

  // Saved by Excel as "CSV UTF-8": with a byte-order mark and CRLF line ends.
  const csv = [
    '\uFEFF会员编号,手机号码,姓名,性别,生日,城市,会员等级,积分,UnionID,注册时间',
    ',138 0013 8000,张三,女,1990-05-01,上海,金卡,120,,2019-03-04',
    'M2,13900139000,李四,男,1988/12/31,北京,银卡,35,U2,2020-01-02 08:00',
    'M3,,王五,,,深圳,普通,0,,',
    'M4,13700137000,赵六,X,,广州,普通,5,,',
    '0,NULL,钱七,女,,成都,普通,1,,',
    'M5,13600136000,孙八,女,1991-02-30,南京,普通,2,,',
  ].join('\r\n');
  const local = await prepareLocalFile(tempFile('会员.csv', csv), { kind: 'customers', encoding: 'utf-8', overrides: {} });
  expect(local.mapping).toEqual({
    会员编号: 'user_id',
    手机号码: 'phone',
    姓名: 'name',
    性别: 'gender',
    生日: 'birthday',
    城市: 'city',
    会员等级: 'traits.会员等级',
    积分: 'traits.积分',
    UnionID: 'wechat_unionid',
    注册时间: 'created_at',
  });
  const job = await importLocalFile(t.ctx, ws, local, { createdBy: 'test' });
  expect({ rows: job.rows_read, imported: job.imported, duplicates: job.duplicates, failed: job.failed }).toEqual({ rows: 6, imported: 3, duplicates: 0, failed: 3 });
  const errors = await t.ctx.db.selectFrom('import_errors').select(['line', 'field', 'reason', 'value']).where('import_id', '=', job.id).orderBy('line').execute();
  expect(errors).toEqual([
    { line: 5, field: 'gender', reason: 'is not a gender (男/女, male/female, M/F)', value: 'X' },
    { line: 6, field: 'user_id', reason: '"0" is a placeholder, not an id', value: null },
    { line: 7, field: 'birthday', reason: 'is not a valid date', value: null },
  ]);

  // Found by phone (written with spaces), the live member M1 gets the CRM traits; the import is newer than the live city.
  const zhang = await byId('phone', '13800138000');
  expect(zhang.id).toBe(m1);
  expect(zhang.traits).toMatchObject({ name: '张三', gender: 'female', birthday: '1990-05-01', city: '上海', 会员等级: '金卡', 积分: 120, createdAt: '2019-03-03T16:00:00.000Z' });
  // The unionid seen live now has a member id and a phone.
  const li = await byId('user_id', 'M2');
  expect(li.id).toBe(u2);
  expect(li.identifiers).toEqual(expect.arrayContaining([{ type: 'phone', value: expect.any(String) }, { type: 'wechat_unionid', value: 'U2' }]));
  expect((await byId('user_id', 'M3')).traits).toMatchObject({ name: '王五', city: '深圳', 积分: 0 });
  expect(await customerCount()).toBe(3);

  const again = await importLocalFile(t.ctx, ws, local, { createdBy: 'test' });
  expect({ imported: again.imported, duplicates: again.duplicates, failed: again.failed }).toEqual({ imported: 0, duplicates: 3, failed: 3 });
  expect(await customerCount()).toBe(3);
});
