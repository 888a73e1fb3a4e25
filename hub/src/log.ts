import type { Logger } from './component.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/**
 * The hub's Logger: one line per message on stderr, `<time> <level> <message> key=value …`,
 * values JSON-encoded when they are not plain words. Messages below `level` are dropped.
 */
export function createLogger(level: LogLevel = 'info', write: (line: string) => void = writeStderr): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const emit = (at: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (LOG_LEVELS.indexOf(at) < threshold) return;
    write(`${new Date().toISOString()} ${at} ${message}${formatFields(fields)}`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

function writeStderr(line: string): void {
  process.stderr.write(`${line}\n`);
}

function formatFields(fields: Record<string, unknown> | undefined): string {
  if (!fields) return '';
  let out = '';
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text = value instanceof Error ? value.message : typeof value === 'string' ? value : JSON.stringify(value);
    out += ` ${key}=${/^[\w./:@-]*$/.test(text) && text !== '' ? text : JSON.stringify(text)}`;
  }
  return out;
}
