import sjson from 'secure-json-parse';
import { AppError, type FieldError, type ProblemCode, systemClock } from '../core/index.js';
import { decodeBody } from './body.js';
import { acceptEvents, type Intake } from './intake.js';
import type { Envelope } from './normalize.js';
import type { MessageType } from './schema.js';

/** A collection request as it arrived: the path's type (none for a batch), the encoding and the raw body. */
export interface RawRequest {
  type?: MessageType;
  encoding?: string;
  body: Uint8Array;
  env: { receivedAt: string; ip: string; requestId: string };
}

/** A refusal as data (it crosses threads): the body could not be read, or none of its events is acceptable. */
export interface Refusal {
  stage: 'body' | 'events';
  code: ProblemCode;
  detail?: string;
  errors?: FieldError[];
}

/** What the request holds: its events (accepted and refused) and its body as text for the log, or why not; and a writeKey field. */
export type Accepted = ({ ok: true; intake: Intake; text: string } | { ok: false; refusal: Refusal }) & { writeKey: string | null };

/**
 * Decodes, parses and validates a collection request: the CPU-heavy part of an acknowledgement,
 * run on the intake threads (intake-pool.ts). Returns a refusal instead of throwing, so that it
 * crosses threads as data.
 */
export async function acceptRequest(r: RawRequest): Promise<Accepted> {
  const refused = (stage: Refusal['stage'], err: unknown, writeKey: string | null = null): Accepted => {
    if (!(err instanceof AppError)) throw err;
    return { ok: false, refusal: { stage, code: err.code, detail: err.detail, errors: err.errors }, writeKey };
  };
  let text: string;
  let body: unknown;
  try {
    text = await decodeBody(r.encoding, Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength));
    if (text.trim() === '') throw new AppError('bad_request', 'the body is empty: send the event as JSON');
    try {
      body = sjson.parse(text, { protoAction: 'error', constructorAction: 'error' });
    } catch (err) {
      throw new AppError('bad_request', `the body is not valid JSON: ${(err as Error).message}`);
    }
    if (body === null) throw new AppError('bad_request', 'the body is empty: send the event as JSON');
  } catch (err) {
    return refused('body', err);
  }
  const field = typeof body === 'object' ? (body as { writeKey?: unknown }).writeKey : undefined;
  const writeKey = typeof field === 'string' && field ? field : null;
  try {
    const env: Envelope = { receivedAt: new Date(r.env.receivedAt), ip: r.env.ip, requestId: r.env.requestId };
    return { ok: true, intake: acceptEvents(systemClock, r.type, body, env), text, writeKey };
  } catch (err) {
    return refused('events', err, writeKey);
  }
}
