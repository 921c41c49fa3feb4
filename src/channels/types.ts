import type { Channel } from './list.js';
import type { Recipient } from '../messages/index.js';
import type { Ctx } from '../store/index.js';

/** One send handed to a provider: the rendered content, who gets it, and the key that makes a repeat harmless. */
export interface SendInput {
  ctx: Ctx;
  workspaceId: string;
  messageId: string;
  /** Passed to providers that accept one (SMS, webhook: `Idempotency-Key`), so a resend after a crash is dropped there. */
  idempotencyKey: string;
  channel: Channel;
  recipient: Recipient;
  content: Record<string, unknown>;
  settings: Record<string, unknown>;
  brandName: string;
  /** Where the message came from, for providers that group sends (WeCom group/moments) and webhooks. */
  source: { kind: string; id: string; templateId: string };
  /** Address of the unsubscribe link (email). */
  unsubscribeUrl?: string;
}

export type SendOutcome =
  | { status: 'sent' | 'delivered'; providerRef: string; detail?: Record<string, unknown> }
  | { status: 'failed'; transient: boolean; error: string }
  | { status: 'unreachable'; reason: string };

export interface Provider {
  channel: Channel;
  /** Whether the provider drops a repeated idempotency key: a send left 'sending' by a crash may then be retried safely. */
  idempotent: boolean;
  send(input: SendInput): Promise<SendOutcome>;
}

/** A failure that a retry may fix (network, 5xx, rate limit). */
export function transientHttp(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}
