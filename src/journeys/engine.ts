import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { newId } from '../core/index.js';
import type { Ctx, StateDB } from '../store/index.js';
import { BUILTIN_TEMPLATE_ID, type EnqueueInput, enqueueMessage, enqueueMessages, nextGoldenWindow } from '../messages/index.js';
import { updateProfiles } from '../customers/index.js';
import { defaultLoyaltyGrants, type LoyaltyGrants } from '../loyalty/index.js';
import { bucket, evaluateCondition } from './conditions.js';
import { nextLocalTime } from './clock.js';
import { loadVersion } from './enter.js';
import { durationMs, type Step } from './model.js';
import type { JourneyRunsTable } from './schema.js';

/** A template id meaning "the channel's built-in content" (group invites without a template, webhooks; src/messages renders them). */
export { BUILTIN_TEMPLATE_ID };
/** Retry delays of a run whose step failed; after the last one the run is parked. */
export const RETRY_DELAYS_MS = [30_000, 120_000, 600_000, 3_600_000, 6 * 3_600_000];
/** Steps executed for one run in one pass at most (a valid graph waits long before that). */
const MAX_STEPS_PER_PASS = 200;

/** The columns a claimed run is advanced with. */
const CLAIMED = ['workspace_id', 'id', 'journey_id', 'version', 'customer_id', 'status', 'step_id', 'seq', 'entered_at', 'next_at', 'wait_event', 'holdout', 'arm', 'context', 'attempts'] as const;
type RunRow = Selectable<Pick<JourneyRunsTable, (typeof CLAIMED)[number]>>;

interface StepRow {
  workspace_id: string;
  run_id: string;
  journey_id: string;
  step_id: string;
  seq: number;
  entered_at: Date;
  left_at: Date | null;
  outcome: string | null;
}

interface Batch {
  /** Outbox messages of the batch, inserted in one statement (unguarded passes only). */
  messages: EnqueueInput[];
  inserts: StepRow[];
  closes: { ws: string; run: string; seq: number; left_at: string; outcome: string }[];
  runs: Record<string, unknown>[];
}

export interface EngineOptions {
  grants?: LoyaltyGrants;
}

/**
 * Claims up to `size` due runs (FOR UPDATE SKIP LOCKED, so workers share the load) and moves each
 * as far as it goes: until a waiting step, the end, an exit or a failure. Everything a run does —
 * its step visits, outbox messages, grants, tasks, traits — commits in this one transaction, so a
 * crash anywhere leaves the runs due as they were and idempotency keys make the retry harmless.
 */
export async function executeDue(ctx: Ctx, size: number, opts: EngineOptions = {}): Promise<number> {
  // Optimistic first: no savepoints. If any run fails, the whole batch rolls back and is done
  // again with a savepoint around each run, so only the failing run is retried later.
  try {
    return await executeBatch(ctx, size, opts, false);
  } catch (err) {
    if (!(err instanceof IsolateRuns)) throw err;
    return executeBatch(ctx, size, opts, true);
  }
}

class IsolateRuns extends Error {}

async function executeBatch(ctx: Ctx, size: number, opts: EngineOptions, isolate: boolean): Promise<number> {
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const claimed = await sql<RunRow>`
      SELECT ${sql.join(CLAIMED.map((c) => sql.ref(`r.${c}`)))}
      FROM journey_runs r
      WHERE r.status IN ('active', 'waiting') AND r.next_at IS NOT NULL AND r.next_at <= ${now}
        AND EXISTS (SELECT 1 FROM journeys j WHERE j.workspace_id = r.workspace_id AND j.id = r.journey_id AND j.status = 'live')
      ORDER BY r.next_at
      LIMIT ${size}
      FOR UPDATE OF r SKIP LOCKED`.execute(trx);
    if (!claimed.rows.length) return 0;
    const batch: Batch = { messages: [], inserts: [], closes: [], runs: [] };
    const zones = new Map<string, string>();
    for (const run of claimed.rows) {
      if (!zones.has(run.workspace_id)) {
        const ws = await trx.selectFrom('workspaces').select('timezone').where('id', '=', run.workspace_id).executeTakeFirst();
        zones.set(run.workspace_id, ws?.timezone ?? ctx.config.timezone);
      }
      await advance(ctx, trx, run, now, zones.get(run.workspace_id)!, batch, opts.grants ?? defaultLoyaltyGrants, isolate);
    }
    await flush(trx, batch);
    return claimed.rows.length;
  });
}

async function flush(trx: Kysely<StateDB>, b: Batch): Promise<void> {
  if (b.messages.length) await enqueueMessages(trx, b.messages);
  for (let i = 0; i < b.inserts.length; i += 2000) await trx.insertInto('journey_steps').values(b.inserts.slice(i, i + 2000)).execute();
  if (b.closes.length) {
    await sql`
      UPDATE journey_steps s SET left_at = v.left_at, outcome = v.outcome
      FROM jsonb_to_recordset(${JSON.stringify(b.closes)}::jsonb) AS v(ws uuid, run uuid, seq int, left_at timestamptz, outcome text)
      WHERE s.workspace_id = v.ws AND s.run_id = v.run AND s.seq = v.seq`.execute(trx);
  }
  if (b.runs.length) {
    await sql`
      UPDATE journey_runs r SET status = v.status, step_id = v.step_id, seq = v.seq, next_at = v.next_at, wait_event = v.wait_event,
        finished_at = v.finished_at, exit_reason = v.exit_reason, holdout = v.holdout, arm = v.arm, context = v.context, attempts = v.attempts
      FROM jsonb_to_recordset(${JSON.stringify(b.runs)}::jsonb) AS v(
        workspace_id uuid, id uuid, status text, step_id text, seq int, next_at timestamptz, wait_event jsonb, finished_at timestamptz,
        exit_reason text, holdout boolean, arm text, context jsonb, attempts int)
      WHERE r.workspace_id = v.workspace_id AND r.id = v.id`.execute(trx);
  }
}

/** Effects need a savepoint so a failing run undoes only its own writes. */
const EFFECT_KINDS = new Set<Step['kind']>(['send', 'tag', 'set_trait', 'grant', 'group_invite', 'task', 'webhook']);

async function advance(ctx: Ctx, trx: Transaction<StateDB>, original: RunRow, now: Date, tz: string, batch: Batch, grants: LoyaltyGrants, isolate: boolean): Promise<void> {
  const run: RunRow = { ...original, context: { ...(original.context ?? {}) } };
  const mine: Batch = { messages: [], inserts: [], closes: [], runs: [] };
  let savepoint = false;
  /** Whether this run wrote anything yet (an effect step started). */
  let touched = false;
  let finishedAt: Date | null = null;
  let exitReason: string | null = null;
  const base = { workspace_id: run.workspace_id, run_id: run.id, journey_id: run.journey_id };
  try {
    const { steps } = await loadVersion(trx, run.workspace_id, run.journey_id, run.version);
    const visit = (stepId: string, outcome: string | null, left: Date | null) => {
      run.seq += 1;
      mine.inserts.push({ ...base, step_id: stepId, seq: run.seq, entered_at: now, left_at: left, outcome });
    };
    const close = (outcome: string) => mine.closes.push({ ws: run.workspace_id, run: run.id, seq: run.seq, left_at: now.toISOString(), outcome });
    let next: string | undefined | null = run.step_id;
    for (let n = 0; ; n++) {
      if (n > MAX_STEPS_PER_PASS) throw new Error(`more than ${MAX_STEPS_PER_PASS} steps without a wait`);
      if (!next) {
        run.status = 'completed';
        run.step_id = null;
        run.next_at = null;
        finishedAt = now;
        break;
      }
      const step = steps.get(next);
      if (!step) throw new Error(`step "${next}" is not in version ${run.version}`);
      run.step_id = step.id;
      if (run.status === 'waiting') {
        // Resuming a waiting step whose time came (or whose event was seen).
        let outcome = 'passed';
        let to: string | undefined = 'next' in step ? step.next : undefined;
        if (step.kind === 'wait_event') {
          if (run.wait_event?.matched) outcome = 'event';
          else {
            outcome = 'timeout';
            to = step.timeoutNext;
          }
        }
        close(outcome);
        run.status = 'active';
        run.wait_event = null;
        next = to;
        continue;
      }
      if (isolate && EFFECT_KINDS.has(step.kind) && !savepoint) {
        await sql`SAVEPOINT journey_run`.execute(trx);
        savepoint = true;
      }
      const waitUntil = (at: Date) => {
        visit(step.id, null, null);
        run.status = 'waiting';
        run.next_at = at;
      };
      let stop = false;
      switch (step.kind) {
        case 'wait':
          waitUntil(new Date(now.getTime() + durationMs(step.duration)));
          stop = true;
          break;
        case 'wait_until':
          waitUntil(nextLocalTime(now, tz, step.time));
          stop = true;
          break;
        case 'wait_golden': {
          const at = await nextGoldenWindow({ db: trx, config: ctx.config }, run.workspace_id, now);
          if (at.getTime() > now.getTime()) {
            waitUntil(at);
            stop = true;
          } else {
            visit(step.id, 'passed', now);
            next = step.next;
          }
          break;
        }
        case 'wait_event':
          waitUntil(new Date(now.getTime() + durationMs(step.timeout)));
          run.wait_event = { event: step.event, where: step.where, since: now.toISOString() };
          stop = true;
          break;
        case 'branch': {
          const yes = await evaluateCondition({ ...ctx, db: trx }, run.workspace_id, run.customer_id, step.condition);
          visit(step.id, yes ? 'yes' : 'no', now);
          next = yes ? step.yes : step.no;
          break;
        }
        case 'split': {
          const total = step.arms.reduce((s, a) => s + a.weight, 0);
          let b = bucket(`${run.id}:${step.id}`) % total;
          const arm = step.arms.find((a) => (b -= a.weight) < 0) ?? step.arms[step.arms.length - 1];
          visit(step.id, arm.key, now);
          run.arm = arm.key;
          next = arm.next;
          break;
        }
        case 'holdout':
          if (bucket(`${run.id}:${step.id}:holdout`) < step.percent * 100) {
            visit(step.id, 'holdout', now);
            run.status = 'holdout';
            run.holdout = true;
            run.next_at = null;
            stop = true;
          } else {
            visit(step.id, 'passed', now);
            next = step.next;
          }
          break;
        case 'exit':
          visit(step.id, 'exited', now);
          run.status = 'exited';
          run.next_at = null;
          finishedAt = now;
          exitReason = 'exit step';
          stop = true;
          break;
        default:
          touched = true;
          await effect(ctx, trx, run, step, now, grants, isolate ? (m) => enqueueMessage(trx, m).then(() => undefined) : (m) => void mine.messages.push(m));
          visit(step.id, 'passed', now);
          next = step.next;
      }
      if (stop) break;
    }
    run.attempts = 0;
    if (run.status === 'active') run.next_at = now;
    batch.messages.push(...mine.messages);
    batch.inserts.push(...mine.inserts);
    batch.closes.push(...mine.closes);
    batch.runs.push(runUpdate(run, finishedAt, exitReason));
    if (savepoint) await sql`RELEASE SAVEPOINT journey_run`.execute(trx);
  } catch (err) {
    // Without a savepoint, writes of this run may be half done: redo the batch isolated.
    if (!isolate && touched) throw new IsolateRuns();
    if (savepoint) await sql`ROLLBACK TO SAVEPOINT journey_run`.execute(trx);
    const attempts = original.attempts + 1;
    const message = err instanceof Error ? err.message : String(err);
    ctx.log.warn({ err, runId: original.id, journeyId: original.journey_id, step: run.step_id }, 'journey step failed');
    const parked = attempts > RETRY_DELAYS_MS.length;
    // The run stays where it was (its last committed state); only the retry time and reason change.
    batch.runs.push(
      runUpdate(
        {
          ...original,
          attempts,
          status: parked ? 'parked' : original.status,
          next_at: parked ? null : new Date(now.getTime() + RETRY_DELAYS_MS[attempts - 1]),
          context: { ...original.context, error: message.slice(0, 500) },
        },
        null,
        parked ? `failed at step "${original.step_id ?? ''}": ${message}`.slice(0, 1000) : null,
      ),
    );
  }
}

function runUpdate(r: RunRow, finishedAt: Date | null, exitReason: string | null): Record<string, unknown> {
  return {
    workspace_id: r.workspace_id,
    id: r.id,
    status: r.status,
    step_id: r.step_id,
    seq: r.seq,
    next_at: r.next_at ? r.next_at.toISOString() : null,
    wait_event: r.wait_event,
    finished_at: finishedAt?.toISOString() ?? null,
    exit_reason: exitReason,
    holdout: r.holdout,
    arm: r.arm,
    context: r.context,
    attempts: r.attempts,
  };
}

/** The n-th visit of a step in this run: the first keeps the plain key, a loop back gets a suffix. */
function effectKey(run: RunRow, step: Step): string {
  const visits = (run.context.visits ??= {});
  const n = (visits[step.id] ?? 0) + 1;
  visits[step.id] = n;
  return n === 1 ? `j:${run.id}:${step.id}` : `j:${run.id}:${step.id}:${n}`;
}

async function effect(ctx: Ctx, trx: Transaction<StateDB>, run: RunRow, step: Step, now: Date, grants: LoyaltyGrants, enqueue: (m: EnqueueInput) => Promise<void> | void): Promise<void> {
  const key = effectKey(run, step);
  const source = { kind: 'journey' as const, id: run.journey_id, runId: run.id, stepId: step.id, ...(run.arm ? { variant: run.arm } : {}) };
  const vars = { ...(run.context.event ? { event: { name: run.context.event.name, ...run.context.event.properties } } : {}), ...(run.context.grant ? { grant: run.context.grant } : {}) };
  switch (step.kind) {
    case 'send':
      await enqueue({ workspaceId: run.workspace_id, customerId: run.customer_id, channel: step.channel, templateId: step.templateId, idempotencyKey: key, source, vars, golden: step.golden, marketing: step.marketing, now });
      return;
    case 'webhook':
      await enqueue({
        workspaceId: run.workspace_id,
        customerId: run.customer_id,
        channel: 'webhook',
        templateId: BUILTIN_TEMPLATE_ID,
        idempotencyKey: key,
        source,
        vars: { ...vars, webhook: { url: step.url } },
        golden: false,
        marketing: false,
        now,
      });
      return;
    case 'group_invite': {
      const code = await trx.selectFrom('wecom_codes').select(['qr_url', 'name']).where('workspace_id', '=', run.workspace_id).where('id', '=', step.groupCodeId).executeTakeFirst();
      if (!code) throw new Error(`group code ${step.groupCodeId} no longer exists`);
      await enqueue({
        workspaceId: run.workspace_id,
        customerId: run.customer_id,
        channel: 'wecom_1v1',
        templateId: step.templateId ?? BUILTIN_TEMPLATE_ID,
        idempotencyKey: key,
        source,
        vars: { ...vars, group: { qr_url: code.qr_url, name: code.name } },
        golden: false,
        marketing: true,
        now,
      });
      return;
    }
    case 'grant': {
      const r = step.reward;
      const common = { workspaceId: run.workspace_id, customerId: run.customer_id, idempotencyKey: key, source: `journey:${run.journey_id}`, now };
      if (r.type === 'coupon') {
        const g = await grants.grantCoupon(trx, { ...common, reward: { couponKey: r.couponKey, amountFen: r.amountFen, thresholdFen: r.thresholdFen, validDays: r.validDays } });
        run.context.grant = { ...run.context.grant, coupon: { amount: g.amountFen / 100, code: g.code, expires: g.expiresAt.toISOString().slice(0, 10) } };
      } else {
        const g = await grants.grantPoints(trx, { ...common, reward: { points: r.points, reason: r.reason } });
        run.context.grant = { ...run.context.grant, points: g.points };
      }
      return;
    }
    case 'task': {
      let assignee = step.assignee ?? null;
      if (!assignee) {
        const c = await trx.selectFrom('customers').select('staff_userid').where('workspace_id', '=', run.workspace_id).where('id', '=', run.customer_id).executeTakeFirst();
        assignee = c?.staff_userid ?? null;
      }
      await trx
        .insertInto('staff_tasks')
        .values({
          workspace_id: run.workspace_id,
          id: newId({ now: () => now }),
          customer_id: run.customer_id,
          assignee,
          title: step.title,
          detail: step.detail,
          status: 'open',
          due_at: new Date(now.getTime() + step.dueHours * 3_600_000),
          created_at: now,
          journey_id: run.journey_id,
          run_id: run.id,
          step_id: step.id,
          idempotency_key: key,
        })
        .onConflict((oc) => oc.columns(['workspace_id', 'idempotency_key']).doNothing())
        .execute();
      return;
    }
    case 'tag':
      // Tags live in the events store: queued here, applied in batches after commit (adding twice changes nothing).
      await trx
        .insertInto('journey_effects')
        .values({ workspace_id: run.workspace_id, id: newId({ now: () => now }), kind: step.op === 'add' ? 'tag_add' : 'tag_remove', target: step.tagId, customer_id: run.customer_id, created_at: now })
        .execute();
      return;
    case 'set_trait':
      await updateProfiles({ ...ctx, db: trx }, run.workspace_id, new Map([[run.customer_id, [{ at: now, traits: { [step.trait]: step.value } }]]]));
      return;
    default:
      return;
  }
}
