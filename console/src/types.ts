// Wire shapes of the Siyu HTTP API as the console consumes them.

export type Role = 'owner' | 'admin' | 'operator' | 'sales' | 'analyst' | 'viewer';

export const ROLES: readonly Role[] = ['owner', 'admin', 'operator', 'sales', 'analyst', 'viewer'];

export interface WorkspaceRef {
  id: string;
  slug: string;
  name: string;
  role: Role;
}

export interface Session {
  /** Null when the caller is an API key rather than a signed-in operator. */
  operator: { id: string; email: string; name: string } | null;
  workspace: WorkspaceRef & { timezone: string };
  workspaces: WorkspaceRef[];
  permissions: string[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Dashboard {
  timezone: string;
  customers: number;
  eventsToday: number;
  orders30d: number;
  gmv30dFen: number;
  aov30dFen: number;
  daily: { date: string; orders: number; gmvFen: number }[];
}

export interface CustomerRow {
  id: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  city: string | null;
  channel: string | null;
  channelName: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
  ordersCount: number;
  totalSpentFen: number;
}

export interface OrderProduct {
  sku: string;
  name: string;
  quantity: number;
  priceFen: number;
}

export interface Order {
  orderId: string;
  orderedAt: string;
  status: string;
  totalFen: number;
  discountFen: number;
  products: OrderProduct[];
}

export interface Identifier {
  type: string;
  value: string;
  collection?: string;
}

export interface Customer {
  id: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  gender: string | null;
  birthday: string | null;
  city: string | null;
  channel: string | null;
  channelName: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
  createdAt: string;
  traits: Record<string, unknown>;
  identifiers: Identifier[];
  stats: { ordersCount: number; totalSpentFen: number; aovFen: number; lastOrderAt: string | null };
  orders: Order[];
}

export interface ApiKey {
  id: string;
  name: string;
  role?: Role;
  prefix: string;
  createdAt: string;
  lastUsedAt?: string | null;
  revokedAt: string | null;
}

export interface CreatedKey extends ApiKey {
  key: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: { type: string; id: string | null; name: string | null };
  action: string;
  entity: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
  requestId: string | null;
}
