import { SwitchyardClient } from "../../src/client/client.js";
import type { RouterOptions } from "../../src/router/options.js";
import { Router } from "../../src/router/router.js";
import { Node } from "../../src/worker/node.js";
import type { NodeOptions } from "../../src/worker/options.js";

type Closer = () => unknown;

/**
 * Starts real routers (gRPC on 127.0.0.1, port 0), nodes and clients for a test, and closes all of
 * them, newest first, in close().
 */
export class TestStack {
  private readonly closers: Closer[] = [];

  defer(closer: Closer): void {
    this.closers.push(closer);
  }

  async router(options: RouterOptions = {}): Promise<Router> {
    const router = await Router.create({ port: 0, shutdownGraceMs: 2_000, ...options });
    this.defer(() => router.close());
    return router;
  }

  /** A node connected to `router` (or to the given addresses), registered before this resolves. */
  async node(
    target: Router | string[],
    options: Omit<NodeOptions, "routers"> & { routers?: string[] },
  ): Promise<Node> {
    const routers = Array.isArray(target) ? target : [target.address];
    const node = new Node({
      reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
      drainTimeoutMs: 2_000,
      ...options,
      routers,
    });
    this.defer(() => node.stop());
    await node.start();
    return node;
  }

  client(router: Router | string[], apiKey?: string): SwitchyardClient {
    const routers = Array.isArray(router) ? router : [router.address];
    const client = new SwitchyardClient(apiKey === undefined ? { routers } : { routers, apiKey });
    this.defer(() => client.close());
    return client;
  }

  async close(): Promise<void> {
    const errors: unknown[] = [];
    while (this.closers.length > 0) {
      const closer = this.closers.pop() as Closer;
      try {
        await closer();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, "test stack close failed");
  }
}

/** Resolves after `ms`. */
export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true, failing after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what = "condition",
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

/** A promise with its resolve function, for handlers a test releases by hand. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
