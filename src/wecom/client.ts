import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { Clock } from '../core/index.js';
import { WeComError, WeComUnavailableError } from './errors.js';
import { tokenResponse } from './protocol.js';

export interface ClientOptions {
  /** https://qyapi.weixin.qq.com, or a simulator. */
  baseUrl: string;
  corpId: string;
  secret: string;
  clock: Clock;
  /** How to wait between retries; tests pass one that records instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
  /** Retries after a frequency limit or an unreachable server. */
  retries?: number;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/**
 * Tokens per (server, corp, secret), shared by every client in the process: WeCom asks callers to
 * cache the 7200 s token rather than fetch one per call (获取access_token, doc 91039).
 */
const tokens = new Map<string, CachedToken>();
const fetching = new Map<string, Promise<CachedToken>>();

/** Renew a little before expiry, so a token never dies mid-request. */
const RENEW_MARGIN_MS = 300_000;
const MAX_BACKOFF_MS = 30_000;

export function clearTokenCache(): void {
  tokens.clear();
}

/**
 * A WeCom server API client: cached tokens, one refresh-and-retry on 40014 / 42001, exponential
 * backoff on 45009 and kin, typed errors for everything else.
 */
export class WeComClient {
  private readonly key: string;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: ClientOptions) {
    this.key = `${o.baseUrl}|${o.corpId}|${createHash('sha256').update(o.secret).digest('hex').slice(0, 16)}`;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  get corpId(): string {
    return this.o.corpId;
  }

  get<S extends z.ZodType>(path: string, query: Record<string, string | number>, schema: S): Promise<z.infer<S>> {
    return this.call(path, 'GET', query, undefined, schema);
  }

  post<S extends z.ZodType>(path: string, body: unknown, schema: S): Promise<z.infer<S>> {
    return this.call(path, 'POST', {}, body, schema);
  }

  /** A token, from the cache when still good; concurrent callers share one fetch. */
  async token(): Promise<string> {
    const cached = tokens.get(this.key);
    if (cached && cached.expiresAt - RENEW_MARGIN_MS > this.o.clock.now().getTime()) return cached.token;
    let pending = fetching.get(this.key);
    if (!pending) {
      pending = this.fetchToken().finally(() => fetching.delete(this.key));
      fetching.set(this.key, pending);
    }
    return (await pending).token;
  }

  private async fetchToken(): Promise<CachedToken> {
    const res = await this.request('/cgi-bin/gettoken', 'GET', { corpid: this.o.corpId, corpsecret: this.o.secret }, undefined);
    if (res.errcode !== 0) throw new WeComError(res.errcode, String(res.errmsg ?? ''), 'gettoken');
    const t = tokenResponse.parse(res);
    const entry = { token: t.access_token, expiresAt: this.o.clock.now().getTime() + t.expires_in * 1000 };
    tokens.set(this.key, entry);
    return entry;
  }

  private async call<S extends z.ZodType>(path: string, method: 'GET' | 'POST', query: Record<string, string | number>, body: unknown, schema: S): Promise<z.infer<S>> {
    const retries = this.o.retries ?? 3;
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      const token = await this.token();
      let res: Record<string, unknown> & { errcode: number };
      try {
        res = await this.request(path, method, { ...query, access_token: token }, body);
      } catch (err) {
        if (err instanceof WeComUnavailableError && attempt < retries) {
          await this.sleep(backoff(attempt));
          continue;
        }
        throw err;
      }
      if (res.errcode === 0) return schema.parse(res);
      const err = new WeComError(res.errcode, String(res.errmsg ?? ''), path);
      if (err.kind === 'token' && !refreshed) {
        refreshed = true;
        if (tokens.get(this.key)?.token === token) tokens.delete(this.key);
        continue;
      }
      if (err.kind === 'rate' && attempt < retries) {
        await this.sleep(backoff(attempt));
        continue;
      }
      throw err;
    }
  }

  private async request(path: string, method: 'GET' | 'POST', query: Record<string, string | number>, body: unknown): Promise<Record<string, unknown> & { errcode: number }> {
    const url = new URL(path.replace(/^\//, ''), this.o.baseUrl.endsWith('/') ? this.o.baseUrl : `${this.o.baseUrl}/`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        ...(method === 'POST' ? { body: JSON.stringify(body ?? {}), headers: { 'content-type': 'application/json' } } : {}),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new WeComUnavailableError(path, `cannot reach ${url.origin}: ${(err as Error).message}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new WeComUnavailableError(path, `HTTP ${res.status} without a JSON answer from ${url.origin}`);
    }
    const errcode = (json as { errcode?: unknown }).errcode;
    if (typeof errcode !== 'number') throw new WeComUnavailableError(path, `HTTP ${res.status} without an errcode from ${url.origin}`);
    return json as Record<string, unknown> & { errcode: number };
  }
}

/** 1 s, 2 s, 4 s … capped at 30 s. */
export function backoff(attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt);
}
