// Wire shapes of the segments, tags and layers API (src/segments, src/tags).

export type TimeWindow = { lastDays: number } | { from: string; to: string };

export interface PropertyFilter {
  property: string;
  op: string;
  value?: string | number | boolean | (string | number)[];
}

export interface EventSpec {
  event: string;
  where?: PropertyFilter[];
}

export type Rule =
  | { type: 'and' | 'or'; rules: Rule[] }
  | { type: 'not'; rule: Rule }
  | { type: 'trait' | 'computed'; field: string; op: string; value?: unknown }
  | { type: 'event'; event: string; where?: PropertyFilter[]; did?: boolean; count?: { op: string; value: number }; per?: string; time?: TimeWindow }
  | { type: 'sequence'; first: EventSpec; then: EventSpec; withinHours: number; time?: TimeWindow }
  | { type: 'orders'; metric: 'count' | 'sum_fen'; op: string; value: number | [number, number]; time?: TimeWindow; product?: { skus?: string[]; categories?: string[] } }
  | { type: 'tag'; tagId: string }
  | { type: 'rfm'; segments: string[] }
  | { type: 'lifecycle'; stages: string[] }
  | { type: 'ltv'; tiers: string[] }
  | { type: 'consent'; channel: string; granted: boolean }
  | { type: 'segment'; segmentId: string };

export type Group = Extract<Rule, { type: 'and' | 'or' }>;

export interface FieldInfo {
  key: string;
  type: 'string' | 'number' | 'boolean' | 'date';
  ops: string[];
}

export interface Catalog {
  traits: FieldInfo[];
  computed: FieldInfo[];
  tags: { id: string; name: string; groupName: string }[];
  segments: { id: string; name: string }[];
  lifecycleStages: string[];
  ltvTiers: string[];
}

export interface CustomerCard {
  id: string;
  name: string | null;
  phone: string | null;
  city: string | null;
  channel: string | null;
}

export interface Member extends CustomerCard {
  since: string;
}

export interface Preview {
  count: number;
  sample: CustomerCard[];
}

export interface Segment {
  id: string;
  name: string;
  description: string;
  rule: Rule;
  refreshMinutes: number;
  members: number;
  refreshedAt: string | null;
  createdAt: string;
  createdBy: string | null;
  updatedAt: string;
}

export interface RunResult {
  runId: string;
  entered: number;
  exited: number;
  changed: number;
}

export interface Tag {
  id: string;
  groupId: string;
  name: string;
  kind: 'manual' | 'rule';
  rule: Rule | null;
  refreshMinutes: number | null;
  members: number;
  refreshedAt: string | null;
  wecomTagId: string | null;
}

export interface TagGroup {
  id: string;
  name: string;
  exclusive: boolean;
  position: number;
  tags: Tag[];
}

export interface TagChange {
  customerId: string;
  tagId: string;
  added: boolean;
  at: string;
  source: string;
  actor: string;
}
