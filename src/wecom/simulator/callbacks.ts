import { randomBytes } from 'node:crypto';
import { encrypt, seal, signature } from '../crypto.js';
import { buildXml } from '../xml.js';
import type { SimCorp } from './state.js';

export interface CallbackTarget {
  url: string;
  token: string;
  encodingAesKey: string;
}

export interface Delivery {
  fields: Record<string, string | number | string[]>;
  attempts: number;
  status: number | null;
}

/**
 * Sends encrypted event callbacks in order, as WeCom does: a POST with msg_signature, timestamp
 * and nonce; an answer later than 5 s or other than 200 is retried, at most 3 times (回调配置).
 */
export class CallbackSender {
  target: CallbackTarget | null = null;
  readonly deliveries: Delivery[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly corp: SimCorp) {}

  /** Saves the callback config the way WeCom's admin page does: only after the URL echoes back. */
  async configure(target: CallbackTarget): Promise<void> {
    const timestamp = String(Math.floor(this.corp.clock.now().getTime() / 1000));
    const nonce = randomBytes(6).toString('hex');
    const echo = randomBytes(8).toString('hex');
    const echostr = encrypt({ encodingAesKey: target.encodingAesKey, receiveId: this.corp.corpId }, echo);
    const url = new URL(target.url);
    url.search = new URLSearchParams({ msg_signature: signature(target.token, timestamp, nonce, echostr), timestamp, nonce, echostr }).toString();
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const body = await res.text();
    if (res.status !== 200 || body !== echo) throw new Error(`the callback URL did not pass verification (HTTP ${res.status}: ${body.slice(0, 200)})`);
    this.target = target;
  }

  /** Queues an event; resolves when it was delivered (or given up). */
  send(fields: Record<string, string | number | string[]>): Promise<void> {
    const delivery: Delivery = { fields: { ToUserName: this.corp.corpId, FromUserName: 'sys', CreateTime: this.now(), MsgType: 'event', ...fields }, attempts: 0, status: null };
    this.deliveries.push(delivery);
    return this.enqueue(delivery);
  }

  /** Delivers an earlier event again, freshly encrypted: what WeCom's retries look like. */
  redeliver(delivery: Delivery): Promise<void> {
    return this.enqueue(delivery);
  }

  idle(): Promise<void> {
    return this.queue;
  }

  private enqueue(delivery: Delivery): Promise<void> {
    this.queue = this.queue.then(() => this.deliver(delivery));
    return this.queue;
  }

  private async deliver(delivery: Delivery): Promise<void> {
    const target = this.target;
    if (!target) return;
    for (let attempt = 0; attempt < 4; attempt++) {
      delivery.attempts++;
      const timestamp = String(this.now());
      const nonce = randomBytes(6).toString('hex');
      const keys = { token: target.token, encodingAesKey: target.encodingAesKey, receiveId: this.corp.corpId };
      const { encrypted, msgSignature } = seal(keys, buildXml(delivery.fields), timestamp, nonce);
      const url = new URL(target.url);
      url.search = new URLSearchParams({ msg_signature: msgSignature, timestamp, nonce }).toString();
      const body = buildXml({ ToUserName: this.corp.corpId, AgentID: String(this.corp.agentId), Encrypt: encrypted });
      try {
        const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/xml' }, signal: AbortSignal.timeout(5000) });
        await res.text();
        delivery.status = res.status;
        if (res.status === 200) return;
      } catch {
        delivery.status = null;
      }
    }
  }

  private now(): number {
    return Math.floor(this.corp.clock.now().getTime() / 1000);
  }
}
