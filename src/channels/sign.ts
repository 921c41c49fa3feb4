import { createHmac, timingSafeEqual } from 'node:crypto';

/** HMAC-SHA256 (hex) of `${timestamp}.${body}`: the signature of webhooks, SMS provider requests and their callbacks. */
export function signBody(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function verifyBody(secret: string, timestamp: string | undefined, body: string, signature: string | undefined, nowMs: number, windowS = 300): boolean {
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > windowS) return false;
  const want = Buffer.from(signBody(secret, timestamp, body));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** POSTs JSON with the signature headers; returns status and parsed body (or text). */
export async function postSigned(url: string, payload: unknown, o: { secret?: string; idempotencyKey?: string; nowMs: number; timeoutMs?: number }): Promise<{ status: number; body: unknown }> {
  const body = JSON.stringify(payload);
  const ts = String(Math.floor(o.nowMs / 1000));
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-siyu-timestamp': ts };
  if (o.secret) headers['x-siyu-signature'] = signBody(o.secret, ts, body);
  if (o.idempotencyKey) headers['idempotency-key'] = o.idempotencyKey;
  const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(o.timeoutMs ?? 10_000) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed };
}
