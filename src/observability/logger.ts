import pino, { type Logger } from "pino";

export type { Logger };

export interface LoggerOptions {
  level: string;
  /** Human-readable lines for a terminal; JSON otherwise (journald, files). */
  pretty?: boolean | undefined;
}

export function createLogger(options: LoggerOptions): Logger {
  const pretty = options.pretty ?? (process.stdout.isTTY && !process.env.CI);
  return pino({
    level: options.level,
    base: { app: "portalsync" },
    redact: { paths: ["*.password", "*.secret", "*.clientSecret", "*.token", "*.authorization", "headers.authorization"], censor: "[redacted]" },
    ...(pretty ? { transport: { target: "pino-pretty", options: { translateTime: "SYS:HH:MM:ss", ignore: "pid,hostname,app" } } } : {}),
  });
}

/** A logger that writes nothing (tests, library use). */
export const silentLogger: Logger = pino({ level: "silent" });
