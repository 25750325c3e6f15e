import { type Logger, pino } from "pino";

export type { Logger };

/** Field names pino redacts wherever they appear in a log line. */
const REDACT = [
  "key",
  "apiKey",
  "api_key",
  "authorization",
  "token",
  "*.key",
  "*.apiKey",
  "*.api_key",
  "*.authorization",
  "*.token",
  "req.headers.authorization",
];

export interface LoggerOptions {
  level?: string;
  /** Name of the component, added to every line. */
  name?: string;
}

/** Creates the root JSON logger. Components receive it (or a child of it) and never create their own. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({
    level: options.level ?? "info",
    base: options.name === undefined ? {} : { component: options.name },
    redact: { paths: REDACT, censor: "[redacted]" },
  });
}

/** A logger that drops everything: the default for library use and tests. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
