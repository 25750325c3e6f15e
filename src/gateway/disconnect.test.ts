import { once } from "node:events";
import http, { type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { SwitchyardError } from "../core/errors.js";
import { abortOnDisconnect } from "./disconnect.js";

describe("abortOnDisconnect", () => {
  let server: http.Server | undefined;

  afterEach(async () => {
    server?.closeAllConnections();
    if (server?.listening) await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  async function start(handler: (res: ServerResponse, controller: AbortController) => void) {
    const seen = new Promise<{ res: ServerResponse; controller: AbortController }>((resolve) => {
      server = http.createServer((_req, res) => {
        const controller = abortOnDisconnect(res);
        handler(res, controller);
        resolve({ res, controller });
      });
    });
    server?.listen(0, "127.0.0.1");
    await once(server as http.Server, "listening");
    const { port } = (server as http.Server).address() as AddressInfo;
    const req = http.get({ host: "127.0.0.1", port, path: "/" });
    req.on("error", () => {});
    return { req, seen: await seen };
  }

  it("aborts when the client disconnects before the response ends", async () => {
    const { req, seen } = await start((res) => res.writeHead(200).flushHeaders());
    const closed = once(seen.res, "close");
    req.destroy();
    await closed;
    expect(seen.controller.signal.aborted).toBe(true);
    const reason: unknown = seen.controller.signal.reason;
    expect(reason).toBeInstanceOf(SwitchyardError);
    expect((reason as SwitchyardError).code).toBe("cancelled");
  });

  it("does not abort after a complete response", async () => {
    const { req, seen } = await start((res) => res.end("done"));
    const [response] = (await once(req, "response")) as [http.IncomingMessage];
    response.resume();
    await once(response, "end");
    req.destroy();
    if (!seen.res.closed) await once(seen.res, "close");
    expect(seen.controller.signal.aborted).toBe(false);
  });
});
