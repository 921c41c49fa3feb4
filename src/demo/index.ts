// Deterministic demo brand (花漾美妆) for Siyu: a pure, seeded, streaming generator of customers,
// orders and Segment-spec events. No I/O: the loader writes the batches to the stores.
//
// Notes for consumers:
// - Customer i depends only on (options, i); batch size never changes the data, and orders do
//   not change when only eventDensity does.
// - Event `properties` and `context` objects are frozen and shared between events (far less
//   garbage at 10^7 events): copy before changing them.
// - `DemoCustomer.phone` is the person's phone; the brand knows it only when it is among the
//   identifiers (and traits.phone).
// - Up to MAX_CUSTOMERS (10^8) customers: phones and member ids are bijections of the index.
export type {
  ChannelKey,
  DemoBatch,
  DemoCatalog,
  DemoChannel,
  DemoCustomer,
  DemoEstimate,
  DemoEvent,
  DemoEventName,
  DemoIdentifier,
  DemoIdentifierType,
  DemoOptions,
  DemoOrder,
  DemoOrderLine,
  DemoProduct,
  DemoStaff,
  ProductCategory,
} from './types.js';
export { demoCatalog } from './catalog.js';
export { MAX_CUSTOMERS, estimateDemo, generateDemo } from './generator.js';
export { DEMO_SLUG, demoOrderRow, loadDemo, type LoadDemoOptions, type LoadDemoResult } from './load.js';
