/**
 * The child side of the bench's process protocol: a server script prints one `listening <url>` line on
 * stdout when it is ready, and shuts down when the bench closes its stdin (which also happens when the
 * bench dies, so no child outlives it) or sends SIGTERM / SIGINT.
 */

/** The line prefix the bench waits for. */
export const READY_PREFIX = "listening ";

/** Tells the bench the server is ready at `url`. */
export function announce(url: string): void {
  process.stdout.write(`${READY_PREFIX}${url}\n`);
}

/**
 * How long a child may take to close before it exits anyway: above the router's own 5 s limit for
 * letting gRPC calls finish, so a slow but bounded shutdown is reported rather than cut short.
 */
const CLOSE_LIMIT_MS = 10_000;

/** A shutdown slower than this is reported on stderr. */
const SLOW_CLOSE_MS = 1_000;

/**
 * Runs `close` once when the parent goes away or asks the child to stop, then exits. A close that
 * fails or hangs still ends the process.
 */
export function closeWhenParentGoes(close: () => Promise<void>): void {
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    const limit = setTimeout(() => {
      console.error(`${process.argv[1]}: close took over ${CLOSE_LIMIT_MS} ms; exiting`);
      process.exit(1);
    }, CLOSE_LIMIT_MS);
    limit.unref();
    const startedAt = Date.now();
    close().then(
      () => {
        const tookMs = Date.now() - startedAt;
        if (tookMs > SLOW_CLOSE_MS) console.error(`${process.argv[1]}: shutdown took ${tookMs} ms`);
        process.exit(0);
      },
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.stdin.on("end", stop);
  process.stdin.on("close", stop);
  process.stdin.on("error", stop);
  process.stdin.resume();
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
