/**
 * The child side of the bench's process protocol: a server script may print `share <name> <value>`
 * lines, then prints one `listening <address>` line on stdout when it is ready, and shuts down when
 * the bench closes its stdin (which also happens when the bench dies, so no child outlives it) or
 * sends SIGTERM / SIGINT.
 */

/** The line prefix the bench waits for. */
export const READY_PREFIX = "listening ";

/** The line prefix of a value the child hands to the bench before it is ready. */
export const SHARE_PREFIX = "share ";

/** Tells the bench the server is ready at `address` (an HTTP base URL or a gRPC host:port). */
export function announce(address: string): void {
  process.stdout.write(`${READY_PREFIX}${address}\n`);
}

/**
 * Hands the bench a value it needs to drive this server (an API key the server created, say), over
 * the private stdout pipe; call it before `announce`. `name` holds no spaces; `value` no line breaks.
 */
export function share(name: string, value: string): void {
  if (/\s/.test(name) || /[\r\n]/.test(value)) throw new RangeError(`cannot share ${JSON.stringify(name)}`);
  process.stdout.write(`${SHARE_PREFIX}${name} ${value}\n`);
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
  const who = [process.argv[1], ...process.argv.slice(2)].join(" ");
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    const limit = setTimeout(() => {
      console.error(`${who}: close took over ${CLOSE_LIMIT_MS} ms; exiting`);
      process.exit(1);
    }, CLOSE_LIMIT_MS);
    limit.unref();
    const startedAt = Date.now();
    close().then(
      () => {
        const tookMs = Date.now() - startedAt;
        if (tookMs > SLOW_CLOSE_MS) console.error(`${who}: shutdown took ${tookMs} ms`);
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
