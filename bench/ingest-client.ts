// The load generator of bench/ingest.ts, in its own process (a real client does not share the
// server's event loop): sends Segment track events to /v1/batch and prints the result as JSON.
//   sustained: as fast as acks come, CONCURRENCY requests at a time
//   paced:     RATE events/s for SECONDS, each request's ack latency
import { parseArgs } from 'node:util';
import { message } from './ingest-data.js';

const { values: a } = parseArgs({
  options: {
    url: { type: 'string' },
    auth: { type: 'string' },
    phase: { type: 'string' },
    from: { type: 'string', default: '0' },
    events: { type: 'string', default: '0' },
    customers: { type: 'string' },
    batch: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '8' },
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '10' },
  },
});
const CUSTOMERS = Number(a.customers);
const BATCH = Number(a.batch);

async function post(from: number, count: number): Promise<number> {
  const body = JSON.stringify({ batch: Array.from({ length: count }, (_, k) => message((from + k) % CUSTOMERS, from + k)) });
  const t0 = performance.now();
  const res = await fetch(`${a.url}/v1/batch`, { method: 'POST', headers: { authorization: a.auth!, 'content-type': 'application/json' }, body });
  if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
  return performance.now() - t0;
}

let next = Number(a.from);
if (a.phase === 'sustained') {
  const end = next + Number(a.events);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Number(a.concurrency) }, async () => {
      while (next < end) {
        const from = next;
        next += BATCH;
        await post(from, Math.min(BATCH, end - from));
      }
    }),
  );
  process.stdout.write(JSON.stringify({ seconds: (performance.now() - t0) / 1000, sent: Number(a.events) }));
} else {
  const tickMs = (BATCH / Number(a.rate)) * 1000;
  const latencies: number[] = [];
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  for (let k = 0; k < (Number(a.seconds) * 1000) / tickMs; k++) {
    const wait = start + k * tickMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const from = next;
    next += BATCH;
    inflight.push(post(from, BATCH).then((ms) => void latencies.push(ms)));
  }
  await Promise.all(inflight);
  process.stdout.write(JSON.stringify({ latencies, sent: next - Number(a.from) }));
}
