// Wire shapes of the journeys API, mirroring src/journeys/model.ts (declared here because the
// server model imports server modules).

import type { PropertyFilter } from '../pages/segments/types';

export type { PropertyFilter };
import type { RunStatus } from '../../../src/journeys/view-types';

export type { RunStatus };
export type { StepCounts } from '../../../src/journeys/view-types';

export type JourneyStatus = 'draft' | 'live' | 'paused' | 'archived';

export interface Duration {
  days?: number;
  hours?: number;
  minutes?: number;
}

export const CHANNELS = ['wecom_1v1', 'wecom_app', 'wecom_group', 'wecom_moments', 'sms', 'email', 'webhook', 'miniprogram'] as const;
export type Channel = (typeof CHANNELS)[number];

export type Trigger =
  | { kind: 'event'; event: string; where?: PropertyFilter[] }
  | { kind: 'segment'; segmentId: string; on: 'entered' | 'exited' }
  | { kind: 'date'; trait: string; offsetDays: number; at: string; yearly: boolean }
  | { kind: 'schedule'; cron: string; segmentId: string }
  | { kind: 'contact_added'; liveCodeIds?: string[] }
  | { kind: 'manual' };
export type TriggerKind = Trigger['kind'];
export const TRIGGER_KINDS: TriggerKind[] = ['event', 'segment', 'date', 'schedule', 'contact_added', 'manual'];

export type Reentry = { mode: 'once' } | { mode: 'every'; days: number } | { mode: 'always' };

export type BranchCondition =
  | { type: 'segment'; segmentId: string }
  | { type: 'trait'; trait: string; op: string; value?: string | number | boolean }
  | { type: 'event'; event: string; where?: PropertyFilter[]; withinHours: number }
  | { type: 'reachable'; channel: Channel }
  | { type: 'tag'; tagId: string };

export type Reward =
  | { type: 'coupon'; couponKey: string; amountFen: number; thresholdFen?: number; validDays: number }
  | { type: 'points'; points: number; reason: string };

interface Base {
  id: string;
  label?: string;
  ui?: { x: number; y: number };
}

export interface SplitArm {
  key: string;
  weight: number;
  next: string;
}

export type Step = Base &
  (
    | { kind: 'wait'; duration: Duration; next?: string }
    | { kind: 'wait_until'; time: string; next?: string }
    | { kind: 'wait_golden'; next?: string }
    | { kind: 'wait_event'; event: string; where?: PropertyFilter[]; timeout: Duration; next?: string; timeoutNext?: string }
    | { kind: 'branch'; condition: BranchCondition; yes: string; no: string }
    | { kind: 'split'; arms: SplitArm[] }
    | { kind: 'holdout'; percent: number; next?: string }
    | { kind: 'send'; channel: Channel; templateId: string; golden?: boolean; marketing?: boolean; next?: string }
    | { kind: 'tag'; op: 'add' | 'remove'; tagId: string; next?: string }
    | { kind: 'set_trait'; trait: string; value: string | number | boolean | null; next?: string }
    | { kind: 'grant'; reward: Reward; next?: string }
    | { kind: 'group_invite'; groupCodeId: string; templateId?: string; next?: string }
    | { kind: 'task'; title: string; detail?: string; assignee?: string; dueHours: number; next?: string }
    | { kind: 'webhook'; url: string; next?: string }
    | { kind: 'exit' }
  );
export type StepKind = Step['kind'];

export const STEP_KINDS: StepKind[] = [
  'wait',
  'wait_until',
  'wait_golden',
  'wait_event',
  'branch',
  'split',
  'holdout',
  'send',
  'tag',
  'set_trait',
  'grant',
  'group_invite',
  'task',
  'webhook',
  'exit',
];

export interface JourneyGraph {
  trigger: Trigger;
  reentry?: Reentry;
  start: string;
  steps: Step[];
  goal?: { event: string; where?: PropertyFilter[]; withinDays: number };
  exits?: { event: string; where?: PropertyFilter[] }[];
}


export interface GraphError {
  step?: string | null;
  code: string;
  message: string;
}

export interface JourneySummary {
  id: string;
  name: string;
  description?: string | null;
  status: JourneyStatus;
  liveVersion: number | null;
  templateKey?: string | null;
  triggerKind?: string | null;
  publishedAt?: string | null;
  createdAt?: string;
  updatedAt?: string;
  /** Runs by status, e.g. {active: 3, waiting: 10, converted: 2}. */
  counts?: Partial<Record<string, number>>;
}

export interface JourneyVersion {
  version: number;
  publishedAt: string;
  publishedBy?: string | null;
  graph?: JourneyGraph;
}

export interface Journey extends JourneySummary {
  draft: JourneyGraph | null;
  liveGraph?: JourneyGraph | null;
  /** Whether the draft differs from the live version. */
  draftChanged?: boolean;
  versions?: JourneyVersion[];
}

export const RUN_STATUSES: RunStatus[] = ['active', 'waiting', 'completed', 'exited', 'converted', 'holdout', 'parked', 'failed'];

export interface Run {
  id: string;
  journeyId?: string;
  version: number;
  customerId: string;
  customerName?: string | null;
  status: RunStatus;
  stepId: string | null;
  enteredAt: string;
  nextAt?: string | null;
  finishedAt?: string | null;
  exitReason?: string | null;
  holdout?: boolean;
  arm?: string | null;
  convertedAt?: string | null;
  conversionValueFen?: number | null;
}

export interface RunStep {
  stepId: string;
  seq: number;
  enteredAt: string;
  leftAt: string | null;
  outcome: string | null;
}

export interface MessageRow {
  id: string;
  channel: string;
  templateId: string;
  templateName?: string | null;
  status: string;
  reason?: string | null;
  stepId?: string | null;
  variant?: string | null;
  createdAt: string;
  sentAt?: string | null;
  deliveredAt?: string | null;
  clickedAt?: string | null;
}

export interface RunDetail {
  run: Run;
  steps: RunStep[];
  messages: MessageRow[];
}

export interface PlaybookTemplate {
  key: string;
  name: string;
  description: string;
  trigger?: string;
  triggerKind?: string;
  triggerSummary?: string;
  steps?: number;
  stepsCount?: number;
  requires?: string[];
  /** The journey id it is installed as, if any. */
  installed?: string | null;
  creates?: { messageTemplates: unknown[]; tags: unknown[]; segments: unknown[]; coupons: unknown[] };
}
