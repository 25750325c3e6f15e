import { Redis } from "ioredis";
import type { Logger } from "../../core/logger.js";

/**
 * Opens a client for the directory: no offline queue (a command during an outage fails at once rather
 * than piling up), a bounded command time, and reconnection in the background. Rejects when the first
 * connection fails; the client is then disconnected.
 */
export async function connectRedis(
  url: string,
  timeoutMs: number,
  onError: (err: Error) => void,
): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  });
  client.on("error", onError);
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw err;
  }
  return client;
}

/**
 * The client a directory uses: the given one (connected first if it was created lazily), or a new one
 * for `url`. Rejects when the first connection fails.
 */
export async function openRedis(
  url: string | undefined,
  given: Redis | undefined,
  timeoutMs: number,
  logger: Logger,
): Promise<Redis> {
  if (given) {
    if (given.status === "wait") await given.connect();
    return given;
  }
  return connectRedis(url ?? "", timeoutMs, (err) => logger.debug({ err }, "Redis connection error"));
}

/** Quits a client politely when it is connected, and drops the connection otherwise. Never throws. */
export async function closeRedis(client: Redis, logger: Logger): Promise<void> {
  if (client.status === "ready") {
    try {
      await client.quit();
      return;
    } catch (err) {
      logger.debug({ err }, "quit failed; disconnecting");
    }
  }
  client.disconnect();
}

/** Waits until every promise settles or `timeoutMs` passes, whichever comes first. Never rejects. */
export async function settleWithin(promises: Iterable<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([Promise.allSettled(promises), timeout]);
  clearTimeout(timer);
}
