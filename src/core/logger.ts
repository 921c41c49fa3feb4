import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'siyu'): Logger {
  return pino({ name, level });
}
