/**
 * The peer: the open-source Portkey AI gateway (`@portkey-ai/gateway`, a devDependency), run from its
 * published Node.js build (`build/start-server.js`, the package's `bin`) with `--headless` (no log UI).
 * The bench points it at the bare baseline server per request, with the headers
 * `x-portkey-provider: openai` and `x-portkey-custom-host: <baseline>/v1`.
 *
 * Its start-up script listens on `--port=N` (default 8787) on every interface. So that it runs on
 * 127.0.0.1 on a free port like every other bench server, this wrapper has the first `listen` of the
 * process bind to 127.0.0.1 port 0 instead, then announces the port it got. Portkey prints a banner
 * (and clears the terminal) on stdout; none of its lines starts with the bench's `listening ` prefix.
 *
 * Run as a child of bench/run.ts: `node bin/run-ts.js bench/servers/portkey-server.ts`.
 */
import { createRequire } from "node:module";
import { type AddressInfo, Server } from "node:net";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { announce, closeWhenParentGoes } from "../child-lifecycle.js";

const require = createRequire(import.meta.url);
const packageDir = dirname(require.resolve("@portkey-ai/gateway/package.json"));
const entry = join(packageDir, "build", "start-server.js");

let gateway: Server | undefined;
const listen = Server.prototype.listen;
// The first server the gateway opens is its HTTP server; bind it to loopback on a free port.
Server.prototype.listen = function listenOnLoopback(this: Server, ...args: unknown[]): Server {
  if (gateway !== undefined) return listen.apply(this, args as Parameters<typeof listen>);
  gateway = this;
  Server.prototype.listen = listen;
  const callback = args.find((a): a is () => void => typeof a === "function");
  this.once("listening", () => {
    const { port } = this.address() as AddressInfo;
    announce(`http://127.0.0.1:${port}`);
  });
  const onLoopback = listen as (this: Server, port: number, host: string, callback?: () => void) => Server;
  return onLoopback.call(this, 0, "127.0.0.1", callback);
} as typeof listen;

closeWhenParentGoes(
  () =>
    new Promise<void>((resolve) => {
      if (!gateway) {
        resolve();
        return;
      }
      gateway.close(() => resolve());
      (gateway as { closeAllConnections?: () => void }).closeAllConnections?.();
    }),
);

// The gateway reads its flags from process.argv.
process.argv = [process.argv[0] ?? "node", entry, "--headless", "--port=0"];
await import(pathToFileURL(entry).href);
