import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliEnv, siyu } from '../support/cli.js';

let inst: Awaited<ReturnType<typeof cliEnv>>;
let customerId: string;
let journeyId: string;
beforeAll(async () => {
  inst = await cliEnv();
  expect(siyu(['workspace', 'create', '--slug', 'brand', '--name', '花漾'], inst.env).code).toBe(0);
  const seed = spawnSync(process.execPath, ['--import', 'tsx', 'test/cli/journeys-seed.ts', 'brand'], { env: inst.env, encoding: 'utf8', timeout: 120_000 });
  expect(seed.status, seed.stderr).toBe(0);
  [customerId, journeyId] = seed.stdout.trim().split('\n').pop()!.split(' ');
});
afterAll(() => inst?.cleanup());

it('siyu journeys list, publish <id> and enter <id> --customer <id>', () => {
  const list = siyu(['journeys', 'list', '--workspace', 'brand'], inst.env);
  expect(list.code, list.stderr).toBe(0);
  expect(list.stdout).toMatch(new RegExp(`^${journeyId}  draft +-  手动旅程$`, 'm'));

  const early = siyu(['journeys', 'enter', journeyId, '--customer', customerId, '--workspace', 'brand'], inst.env);
  expect(early.code).toBe(1);
  expect(early.stderr.trim()).toBe('siyu: the journey is draft: only a live journey can be entered');

  const pub = siyu(['journeys', 'publish', journeyId, '--workspace', 'brand'], inst.env);
  expect(pub.code, pub.stderr).toBe(0);
  expect(pub.stdout).toContain('journey "手动旅程" is live, version 1');

  const enter = siyu(['journeys', 'enter', journeyId, '--customer', customerId, '--workspace', 'brand'], inst.env);
  expect(enter.code, enter.stderr).toBe(0);
  expect(enter.stdout).toContain('entered 1, skipped 0');
  expect(siyu(['journeys', 'enter', journeyId, '--customer', customerId, '--workspace', 'brand'], inst.env).stdout).toContain('entered 0, skipped 1');

  const after = siyu(['journeys', 'list', '--workspace', 'brand'], inst.env);
  expect(after.stdout).toMatch(new RegExp(`^${journeyId}  live +v1  手动旅程  \\(active 1\\)$`, 'm'));

  expect(siyu(['journeys', 'publish', 'nope', '--workspace', 'brand'], inst.env).stderr.trim()).toBe('siyu: "nope" is not a journey id (see: siyu journeys list)');
  const unknown = siyu(['journeys', 'enter', journeyId, '--customer', '0195f0a0-0000-7000-8000-000000000000', '--workspace', 'brand'], inst.env);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('customer(s) do not exist');
});
