/**
 * RFC 9457 problem details. Each error has a stable `code` and titles in zh-CN and en-US;
 * the API picks the title by Accept-Language.
 */
export const problemCatalog = {
  validation_failed: { status: 400, zh: '请求参数无效', en: 'Invalid request' },
  bad_request: { status: 400, zh: '请求无法处理', en: 'Bad request' },
  unauthorized: { status: 401, zh: '未登录或凭证无效', en: 'Not signed in or invalid credentials' },
  invalid_credentials: { status: 401, zh: '邮箱或密码错误', en: 'Wrong email or password' },
  forbidden: { status: 403, zh: '没有执行此操作的权限', en: 'You do not have permission for this' },
  not_found: { status: 404, zh: '资源不存在', en: 'Not found' },
  conflict: { status: 409, zh: '与现有数据冲突', en: 'Conflicts with existing data' },
  payload_too_large: { status: 413, zh: '请求体过大', en: 'Request body too large' },
  unsupported_media_type: { status: 415, zh: '不支持的内容类型', en: 'Unsupported content type' },
  rate_limited: { status: 429, zh: '请求过于频繁，请稍后再试', en: 'Too many requests, try again later' },
  internal: { status: 500, zh: '服务器内部错误', en: 'Internal server error' },
  store_unavailable: { status: 503, zh: '存储暂不可用', en: 'A data store is unavailable' },
} as const;

export type ProblemCode = keyof typeof problemCatalog;

export interface FieldError {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ProblemCode,
    readonly detail?: string,
    readonly errors?: FieldError[],
  ) {
    super(detail ?? problemCatalog[code].en);
    this.status = problemCatalog[code].status;
  }
}

export type Locale = 'zh-CN' | 'en-US';

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail?: string;
  errors?: FieldError[];
  requestId?: string;
}

export function toProblem(err: AppError, locale: Locale, requestId?: string): Problem {
  const entry = problemCatalog[err.code];
  return {
    type: `https://siyu.dev/problems/${err.code}`,
    title: locale === 'zh-CN' ? entry.zh : entry.en,
    status: entry.status,
    code: err.code,
    ...(err.detail ? { detail: err.detail } : {}),
    ...(err.errors?.length ? { errors: err.errors } : {}),
    ...(requestId ? { requestId } : {}),
  };
}

/** zh-CN unless the client clearly prefers English. */
export function pickLocale(acceptLanguage: string | undefined): Locale {
  if (!acceptLanguage) return 'zh-CN';
  const first = acceptLanguage.split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en-US' : 'zh-CN';
}
