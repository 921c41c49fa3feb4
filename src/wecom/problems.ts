import { AppError } from '../core/index.js';
import { WeComError } from './errors.js';

/** WeCom's refusals as problems the console can show: what WeCom said, and its errcode. */
export async function wecomCall<T>(what: string, fn: () => Promise<T>, fields: Record<number, string> = {}): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof WeComError)) throw err;
    const detail = `WeCom refused to ${what}: ${err.errcode} ${err.errmsg}`;
    if (err.kind === 'rate') throw new AppError('rate_limited', `${detail} (WeCom's frequency limit; try again in a minute)`);
    if (err.kind === 'credentials' || err.kind === 'token') throw new AppError('bad_request', `${detail}: check the corp settings (企微设置)`);
    if (err.kind === 'unavailable') throw new AppError('bad_request', `cannot reach WeCom to ${what}: ${err.errmsg}`);
    const field = fields[err.errcode];
    throw new AppError('validation_failed', detail, field ? [{ path: field, message: `${err.errcode} ${err.errmsg}` }] : undefined);
  }
}
