/**
 * WeCom errcodes (全局错误码, doc 90313) that callers must tell apart, by what to do about them:
 * refresh the token and retry, back off and retry, fix the credentials, or give up.
 */
export type ErrorKind = 'token' | 'rate' | 'credentials' | 'invalid' | 'unavailable';

export const ERRCODES: Record<number, { kind: ErrorKind; message: string }> = {
  [-1]: { kind: 'rate', message: 'system busy' },
  40001: { kind: 'credentials', message: 'invalid credential: the secret is wrong' },
  40013: { kind: 'credentials', message: 'invalid corpid' },
  40056: { kind: 'credentials', message: 'invalid agentid' },
  60011: { kind: 'credentials', message: 'no privilege: the app may not call this API' },
  40014: { kind: 'token', message: 'invalid access_token' },
  41001: { kind: 'token', message: 'access_token missing' },
  42001: { kind: 'token', message: 'access_token expired' },
  45009: { kind: 'rate', message: 'api freq out of limit' },
  45011: { kind: 'rate', message: 'api minute-freq out of limit' },
  45033: { kind: 'rate', message: 'api concurrent out of limit' },
  40003: { kind: 'invalid', message: 'invalid userid' },
  40058: { kind: 'invalid', message: 'invalid parameter' },
  40068: { kind: 'invalid', message: 'invalid tagid' },
  40096: { kind: 'invalid', message: 'invalid external userid' },
  41049: { kind: 'invalid', message: 'missing welcome_code' },
  41050: { kind: 'invalid', message: 'invalid welcome code' },
  45024: { kind: 'invalid', message: 'quota exceeded' },
  40129: { kind: 'invalid', message: 'the customer cannot be transferred now' },
  84061: { kind: 'invalid', message: 'not external contact' },
  86001: { kind: 'invalid', message: 'invalid chatid' },
};

export function errorKind(errcode: number): ErrorKind {
  return ERRCODES[errcode]?.kind ?? 'invalid';
}

export class WeComError extends Error {
  readonly kind: ErrorKind;
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
    readonly api: string,
  ) {
    super(`WeCom ${api} failed: ${errcode} ${errmsg}`);
    this.kind = errcode === 0 ? 'invalid' : errorKind(errcode);
  }
}

/** Network failures and non-JSON answers: WeCom (or the simulator) could not be reached. */
export class WeComUnavailableError extends WeComError {
  constructor(api: string, cause: string) {
    super(-2, cause, api);
    (this as { kind: ErrorKind }).kind = 'unavailable';
  }
}
