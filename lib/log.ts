import { pino, type Logger, type LoggerOptions } from 'pino';

export type Log = Logger;

/**
 * pino: structured JSON logs, cheap when a level is off. Secrets are redacted by
 * key name wherever they appear, so a careless `log.info({ config })` cannot leak them.
 */
export function createLog(opts: { level?: string; name?: string; destination?: number } = {}): Log {
  const options: LoggerOptions = {
    level: opts.level ?? process.env.PLINTH_LOG_LEVEL ?? 'info',
    base: opts.name ? { svc: opts.name } : null,
    redact: {
      paths: [
        'password',
        '*.password',
        '*.*.password',
        'key',
        '*.key',
        'privateKey',
        '*.privateKey',
      ],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return pino(options, pino.destination({ dest: opts.destination ?? 2, sync: false }));
}

/** A logger that drops everything: for unit tests. */
export function silentLog(): Log {
  return pino({ level: 'silent' });
}
