// Public shapes of the demo generator. Money is integer fen; times are UTC Dates.

export type ChannelKey = 'xiaohongshu' | 'douyin' | 'parcel_card' | 'store' | 'mp' | 'sms';

export type ProductCategory = '口红' | '粉底液' | '面霜' | '精华' | '小样';

export interface DemoProduct {
  sku: string;
  name: string;
  category: ProductCategory;
  priceFen: number;
}

/** A WeCom member of staff (导购 / 顾问) who adds customers. */
export interface DemoStaff {
  userid: string;
  name: string;
  department: string;
  /** City of the staff's store or office; store channel customers mostly live there. */
  city: string;
}

export interface DemoChannel {
  key: ChannelKey;
  name: string;
}

export interface DemoCatalog {
  brand: { name: string; appIds: { mp: string; miniProgram: string } };
  products: DemoProduct[];
  staff: DemoStaff[];
  channels: DemoChannel[];
}

export type DemoIdentifierType =
  | 'user_id'
  | 'anonymous_id'
  | 'phone'
  | 'wechat_openid'
  | 'wechat_unionid'
  | 'wecom_external_userid';

export interface DemoIdentifier {
  type: DemoIdentifierType;
  value: string;
  /** App id the openid belongs to (openids are per app). */
  collection?: string;
}

export interface DemoCustomer {
  /** UUIDv7: time part = firstSeenAt, random part from the seeded RNG. */
  id: string;
  name: string;
  /** The person's E.164 phone. The brand only knows it when it is among `identifiers`. */
  phone: string;
  gender: 'female' | 'male';
  birthday: string;
  city: string;
  /** First-touch channel. */
  channel: ChannelKey;
  /** WeCom staff who added the customer; null when not a WeCom contact. */
  staffUserid: string | null;
  firstSeenAt: Date;
  identifiers: DemoIdentifier[];
  traits: Record<string, unknown>;
}

export type DemoEventName =
  | 'Product Viewed'
  | 'Product Added'
  | 'Checkout Started'
  | 'Order Completed'
  | 'Order Refunded';

export interface DemoEvent {
  messageId: string;
  type: 'track' | 'page' | 'identify';
  /** Track event name; null for page and identify. */
  event: DemoEventName | null;
  customerId: string;
  userId: string | null;
  anonymousId: string | null;
  timestamp: Date;
  /** Segment e-commerce v2 properties (money in yuan); page properties; identify traits. */
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
}

export interface DemoOrderLine {
  sku: string;
  name: string;
  category: string;
  priceFen: number;
  quantity: number;
}

export interface DemoOrder {
  orderId: string;
  customerId: string;
  orderedAt: Date;
  status: 'completed' | 'refunded';
  refundedAt: Date | null;
  /** Paid amount: sum(priceFen × quantity) − discountFen. */
  totalFen: number;
  discountFen: number;
  channel: ChannelKey;
  staffUserid: string | null;
  products: DemoOrderLine[];
  /** Coupon applied (新人券, 满减, 会员折扣), null when none. */
  coupon: string | null;
}

export interface DemoBatch {
  customers: DemoCustomer[];
  events: DemoEvent[];
  orders: DemoOrder[];
}

export interface DemoOptions {
  /** Default 42. */
  seed?: number;
  customers: number;
  now: Date;
  /** History length in years, default 2. */
  years?: number;
  /** Customers per batch, default 1000. */
  batchSize?: number;
  /** Target mean orders per customer, default 2.5. */
  meanOrders?: number;
  /** 0..1 share of non-order events kept (1 = full funnel), default 1. */
  eventDensity?: number;
  /**
   * Index of the first customer to generate, default 0: generates customers [from, customers).
   * Since customer i depends only on (options, i), workers can split one brand into ranges.
   */
  from?: number;
}

export interface DemoEstimate {
  customers: number;
  orders: number;
  events: number;
}
