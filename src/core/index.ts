export { type Clock, type ManualClock, systemClock, manualClock, fileClock, DAY_MS } from './clock.js';
export { type Config, ConfigError, loadConfig, isValidTimezone } from './config.js';
export {
  AppError,
  type FieldError,
  type Locale,
  type Problem,
  type ProblemCode,
  problemCatalog,
  pickLocale,
  toProblem,
} from './errors.js';
export { newId, isUuid } from './ids.js';
export { startLoop } from './loop.js';
export { type Logger, createLogger } from './logger.js';
export { type Fen, yuanToFen, fenToYuan, formatFen } from './money.js';
export { type Secrets, createSecrets, loadMasterKey, nameSearchTokens } from './secrets.js';
export { normalizePhone, maskPhone, maskName } from './pii.js';
export { zonedDayStart, formatDateInZone } from './time.js';
