import { Worker } from 'node:worker_threads';
import type { Logger } from '../core/index.js';
import { type Accepted, acceptRequest, type RawRequest } from './accept.js';

/** Decodes, parses and validates collection requests: on intake threads, or here when there are none. */
export interface IntakePool {
  accept(request: RawRequest): Promise<Accepted>;
  close(): Promise<void>;
}

interface Pending {
  resolve: (a: Accepted) => void;
  reject: (err: Error) => void;
}

/**
 * `threads` intake threads (0: none, the requests are accepted on this thread). Parsing and
 * validating are most of an acknowledgement's CPU; on their own threads they run beside the main
 * thread, which answers HTTP, writes the log and processes events (PGlite and the identity memory
 * live there). A request goes to the thread with the fewest in flight; a thread that dies is
 * replaced and its requests fail (the SDK retries them).
 */
export function startIntakePool(threads: number, log: Logger): IntakePool {
  if (threads <= 0) return { accept: acceptRequest, close: async () => undefined };
  let next = 0;
  let closed = false;
  /** Threads that died before answering anything, in a row: past 3 the pool gives up and accepts here. */
  let failedStarts = 0;
  let broken = false;
  const pending = new Map<number, Pending>();
  const slots: { worker: Worker; inFlight: Set<number> }[] = [];

  const spawn = (i: number) => {
    const worker = new Worker(new URL('./intake-worker.mjs', import.meta.url));
    const slot = { worker, inFlight: new Set<number>(), answered: false };
    worker.on('message', (m: { id: number; result?: Accepted; error?: string }) => {
      slot.answered = true;
      failedStarts = 0;
      const p = pending.get(m.id);
      pending.delete(m.id);
      slot.inFlight.delete(m.id);
      if (!p) return;
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.result!);
    });
    worker.on('error', (err) => log.error({ err }, 'an intake thread failed'));
    worker.on('exit', (code) => {
      for (const id of slot.inFlight) {
        pending.get(id)?.reject(new Error(`the intake thread exited (${code})`));
        pending.delete(id);
      }
      if (closed) return;
      if (!slot.answered && ++failedStarts >= 3) {
        broken = true;
        log.error('intake threads keep failing to start: collection requests are accepted on the main thread');
      } else slots[i] = spawn(i);
    });
    return slot;
  };
  for (let i = 0; i < threads; i++) slots.push(spawn(i));

  return {
    accept(request) {
      if (broken) return acceptRequest(request);
      const id = next++;
      const slot = slots.reduce((a, b) => (b.inFlight.size < a.inFlight.size ? b : a));
      slot.inFlight.add(id);
      return new Promise<Accepted>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        slot.worker.postMessage({ id, request });
      });
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
