import type { Logger } from "../../core/logger.js";
import { silentLogger } from "../../core/logger.js";
import type { DirectoryEvent, DirectoryEvents, Subscription } from "../fanout/events.js";

type Handler = (event: DirectoryEvent) => void;

/**
 * Directory events within one process: `publish` calls every subscriber synchronously, in the order
 * they subscribed, before it returns. Each subscriber gets its own copy of the event, as it would from
 * a network bus, so no two directories ever share a record object. A subscriber that throws is logged
 * and the others still get the event; `publish` never throws. After `close()`, publishing does nothing.
 */
export class LocalDirectoryEvents implements DirectoryEvents {
  /** One entry per subscription (the same handler may subscribe twice). */
  private readonly subscribers = new Set<{ handler: Handler }>();
  private readonly logger: Logger;
  private closed = false;

  constructor(options: { logger?: Logger } = {}) {
    this.logger = options.logger ?? silentLogger();
  }

  /** Live subscriptions. */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  publish(event: DirectoryEvent): void {
    if (this.closed) return;
    // A subscriber added inside a handler gets the next event; one removed there gets no more, not even this one.
    for (const subscriber of [...this.subscribers]) {
      if (!this.subscribers.has(subscriber)) continue;
      try {
        subscriber.handler(structuredClone(event));
      } catch (err) {
        this.logger.error({ err, type: event.type }, "a directory event subscriber failed");
      }
    }
  }

  subscribe(handler: Handler): Subscription {
    const subscriber = { handler };
    if (!this.closed) this.subscribers.add(subscriber);
    return { unsubscribe: () => void this.subscribers.delete(subscriber) };
  }

  /** Drops every subscription; later publishes and subscriptions do nothing. Idempotent. */
  close(): void {
    this.closed = true;
    this.subscribers.clear();
  }
}
