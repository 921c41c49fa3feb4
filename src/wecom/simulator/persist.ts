import type { CallbackTarget } from './callbacks.js';
import type { SimCorp } from './state.js';

/** What survives a restart of a long-running simulator (the demo): the corp's data, not tokens or counters. */
const TRANSIENT = new Set<keyof SimCorp>(['clock', 'tokens', 'calls', 'qrBase']);

export function snapshot(corp: SimCorp, target: CallbackTarget | null): string {
  const data = Object.fromEntries(Object.entries(corp).filter(([k]) => !TRANSIENT.has(k as keyof SimCorp)));
  return JSON.stringify({ corp: data, target }, (_k, v: unknown) => (v instanceof Map ? { __map: [...v] } : v));
}

export function restore(corp: SimCorp, text: string): CallbackTarget | null {
  const parsed = JSON.parse(text, (_k, v: unknown) => (v && typeof v === 'object' && '__map' in v ? new Map((v as { __map: [unknown, unknown][] }).__map) : v)) as {
    corp: Partial<SimCorp>;
    target: CallbackTarget | null;
  };
  Object.assign(corp, parsed.corp);
  return parsed.target;
}
