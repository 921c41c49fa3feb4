// The events of the ingest benchmarks (bench/ingest.ts, its load generator).

/**
 * A realistic track event for customer i: member id, device id and unionid, product properties,
 * stamped when it is made (as an SDK stamps it when it happens).
 */
export function message(i: number, n: number) {
  return {
    type: 'track',
    messageId: `bench-${n}`,
    event: n % 7 === 0 ? 'Product Added' : 'Product Viewed',
    userId: `M${100000 + i}`,
    anonymousId: `dev-${i}`,
    timestamp: new Date().toISOString(),
    properties: { product_id: `SKU-${n % 40}`, name: '丝绒雾面口红', category: '口红', price: 189 },
    context: {
      library: { name: 'analytics-node', version: '2.1.0' },
      campaign: { source: 'xiaohongshu', medium: 'social', name: '双11' },
      externalIds: [{ id: `oUnion${i}`, type: 'wechat_unionid', collection: 'users', encoding: 'none' }],
    },
  };
}
