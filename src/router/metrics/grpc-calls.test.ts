import {
  type Client,
  credentials,
  type handleBidiStreamingCall,
  type handleServerStreamingCall,
  type handleUnaryCall,
  makeGenericClientConstructor,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  status as Status,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import {
  type GrpcCallEnded,
  type GrpcCallObserver,
  observingInterceptor,
  splitMethodPath,
} from "./grpc-calls.js";
import { statusName } from "./grpc-metrics.js";
import { sample } from "./metric-values.test-util.js";
import { RouterMetrics } from "./router-metrics.js";

const same = (b: Buffer) => b;
function method(name: string, requestStream: boolean, responseStream: boolean) {
  return {
    path: `/test.v1.Echo/${name}`,
    requestStream,
    responseStream,
    requestSerialize: same,
    requestDeserialize: same,
    responseSerialize: same,
    responseDeserialize: same,
  };
}

const SERVICE = {
  Say: method("Say", false, false),
  Fail: method("Fail", false, false),
  Hang: method("Hang", false, false),
  Count: method("Count", false, true),
  Chat: method("Chat", true, true),
} satisfies ServiceDefinition;

// The client knows one method more than the server serves.
const CLIENT_SERVICE = { ...SERVICE, Missing: method("Missing", false, false) };

const say: handleUnaryCall<Buffer, Buffer> = (call, callback) => callback(null, call.request);
const fail: handleUnaryCall<Buffer, Buffer> = (_call, callback) =>
  callback({ code: Status.NOT_FOUND, details: "nothing here" });
const count: handleServerStreamingCall<Buffer, Buffer> = (call) => {
  const n = Number(call.request.toString());
  if (n < 0) {
    call.emit("error", { code: Status.UNAVAILABLE, details: "down" });
    return;
  }
  // n = 0 streams until the client cancels.
  if (n === 0) {
    const timer = setInterval(() => call.write(Buffer.from("tick")), 5);
    call.on("cancelled", () => clearInterval(timer));
    return;
  }
  for (let i = 0; i < n; i++) call.write(Buffer.from(String(i)));
  call.end();
};
const chat: handleBidiStreamingCall<Buffer, Buffer> = (call) => {
  call.on("data", (b: Buffer) => call.write(b));
  call.on("end", () => call.end());
};
const handlers: UntypedServiceImplementation = {
  Say: say,
  Fail: fail,
  Hang: () => {},
  Count: count,
  Chat: chat,
};

type Untyped = Client & Record<string, (...args: unknown[]) => unknown>;

describe("gRPC calls observed by a server interceptor", () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function serve(observer: GrpcCallObserver): Promise<Untyped> {
    const server = new Server({ interceptors: [observingInterceptor(observer)] });
    server.addService(SERVICE, handlers);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    cleanups.push(() => new Promise<void>((r) => server.tryShutdown(() => r())));
    const Ctor = makeGenericClientConstructor(CLIENT_SERVICE, "Echo");
    const client = new Ctor(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as Untyped;
    cleanups.push(() => client.close());
    return client;
  }

  function recorder() {
    const started: string[] = [];
    const ended: GrpcCallEnded[] = [];
    const waiters: Array<() => void> = [];
    const observer: GrpcCallObserver = {
      callStarted: (c) => started.push(`${c.service}/${c.method}:${c.kind}`),
      callEnded: (c) => {
        ended.push(c);
        for (const w of waiters.splice(0)) w();
      },
    };
    const endedCount = async (n: number) => {
      while (ended.length < n) await new Promise<void>((r) => waiters.push(r));
    };
    return { observer, started, ended, endedCount };
  }

  function unary(client: Untyped, name: string, body: string, deadlineMs?: number) {
    return new Promise<{ err: { code: number } | null }>((resolve) => {
      const options = deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs };
      client[name]?.(Buffer.from(body), options, (err: { code: number } | null) => resolve({ err }));
    });
  }

  it("reports unary calls with the status the handler sent", async () => {
    const rec = recorder();
    const client = await serve(rec.observer);
    expect((await unary(client, "Say", "hi")).err).toBeNull();
    expect((await unary(client, "Fail", "x")).err?.code).toBe(Status.NOT_FOUND);
    await rec.endedCount(2);
    expect(rec.started).toEqual(["test.v1.Echo/Say:unary", "test.v1.Echo/Fail:unary"]);
    expect(rec.ended.map((e) => [e.method, e.code])).toEqual([
      ["Say", Status.OK],
      ["Fail", Status.NOT_FOUND],
    ]);
    expect(rec.ended.every((e) => e.durationMs >= 0)).toBe(true);
  });

  it("reports a call whose deadline passed as DEADLINE_EXCEEDED, once", async () => {
    const rec = recorder();
    const client = await serve(rec.observer);
    expect((await unary(client, "Hang", "x", 50)).err?.code).toBe(Status.DEADLINE_EXCEEDED);
    await rec.endedCount(1);
    // The cancellation that follows every status (on the next tick) must not count the call again.
    await new Promise((r) => setImmediate(r));
    expect(rec.ended.map((e) => e.code)).toEqual([Status.DEADLINE_EXCEEDED]);
  });

  it("reports a call the client cancelled well before its deadline as CANCELLED", async () => {
    const rec = recorder();
    const client = await serve(rec.observer);
    const call = client.Hang?.(Buffer.from("x"), { deadline: Date.now() + 10_000 }, () => {}) as {
      cancel(): void;
    };
    await new Promise((r) => setTimeout(r, 50));
    call.cancel();
    await rec.endedCount(1);
    expect(rec.ended.map((e) => e.code)).toEqual([Status.CANCELLED]);
  });

  it("reports server streams at their end: OK, an error status, or CANCELLED when the client leaves", async () => {
    const rec = recorder();
    const client = await serve(rec.observer);
    const read = (n: number) =>
      new Promise<number | undefined>((resolve) => {
        const stream = client.Count?.(Buffer.from(String(n))) as NodeJS.EventEmitter;
        stream.on("data", () => {});
        stream.on("error", (e: { code: number }) => resolve(e.code));
        stream.on("end", () => resolve(undefined));
      });
    expect(await read(3)).toBeUndefined();
    expect(await read(-1)).toBe(Status.UNAVAILABLE);
    const endless = client.Count?.(Buffer.from("0")) as NodeJS.EventEmitter & { cancel(): void };
    endless.on("error", () => {});
    await new Promise<void>((r) => endless.once("data", () => r()));
    endless.cancel();
    await rec.endedCount(3);
    expect(rec.ended.map((e) => [e.kind, e.code])).toEqual([
      ["server_stream", Status.OK],
      ["server_stream", Status.UNAVAILABLE],
      ["server_stream", Status.CANCELLED],
    ]);
  });

  it("counts a bidirectional stream from start to end, and never sees a method the server does not serve", async () => {
    const rec = recorder();
    const client = await serve(rec.observer);
    const chat = client.Chat?.() as NodeJS.EventEmitter & { write(b: Buffer): void; end(): void };
    const echoed = new Promise<void>((r) => chat.once("data", () => r()));
    chat.write(Buffer.from("ping"));
    await echoed;
    expect(rec.started).toEqual(["test.v1.Echo/Chat:bidi_stream"]);
    expect(rec.ended).toEqual([]);
    const done = new Promise<void>((r) => chat.on("end", () => r()));
    chat.on("data", () => {});
    chat.end();
    await done;
    await rec.endedCount(1);
    expect(rec.ended[0]?.code).toBe(Status.OK);
    expect((await unary(client, "Missing", "x")).err?.code).toBe(Status.UNIMPLEMENTED);
    expect(rec.started).toHaveLength(1);
  });

  it("keeps serving when the observer throws", async () => {
    const client = await serve({
      callStarted: () => {
        throw new Error("observer bug");
      },
      callEnded: () => {
        throw new Error("observer bug");
      },
    });
    expect((await unary(client, "Say", "hi")).err).toBeNull();
  });

  it("feeds GrpcMetrics: calls by service, method and code, durations, calls in flight", async () => {
    const metrics = new RouterMetrics({ processMetrics: false });
    const client = await serve(metrics.grpc);
    await unary(client, "Say", "a");
    await unary(client, "Say", "b");
    await unary(client, "Fail", "c");
    const chat = client.Chat?.() as NodeJS.EventEmitter & { write(b: Buffer): void; end(): void };
    const echoed = new Promise<void>((r) => chat.once("data", () => r()));
    chat.write(Buffer.from("ping"));
    await echoed;
    const r = metrics.registry;
    const say = { service: "test.v1.Echo", method: "Say" };
    // The interceptor records a status before passing it on, so the client never sees it first.
    expect(await sample(r, "switchyard_grpc_requests_total", { ...say, code: "OK" })).toBe(2);
    expect(
      await sample(r, "switchyard_grpc_requests_total", {
        service: "test.v1.Echo",
        method: "Fail",
        code: "NOT_FOUND",
      }),
    ).toBe(1);
    const duration = "switchyard_grpc_request_duration_seconds";
    expect(await sample(r, duration, say, `${duration}_count`)).toBe(2);
    const chatLabels = { service: "test.v1.Echo", method: "Chat" };
    expect(await sample(r, "switchyard_grpc_requests_in_flight", chatLabels)).toBe(1);
    expect(await sample(r, "switchyard_grpc_requests_in_flight", say)).toBe(0);
    chat.on("data", () => {});
    const done = new Promise<void>((res) => chat.on("end", () => res()));
    chat.end();
    await done;
    expect(await sample(r, "switchyard_grpc_requests_in_flight", chatLabels)).toBe(0);
    // Streams that last hours stay out of the latency histogram.
    expect(await sample(r, duration, chatLabels, `${duration}_count`)).toBeUndefined();
  });
});

describe("gRPC metric helpers", () => {
  it("splits method paths", () => {
    expect(splitMethodPath("/switchyard.v1.JobService/Submit")).toEqual({
      service: "switchyard.v1.JobService",
      method: "Submit",
    });
    expect(splitMethodPath("odd")).toEqual({ service: "unknown", method: "odd" });
  });

  it("names status codes", () => {
    expect(statusName(Status.OK)).toBe("OK");
    expect(statusName(Status.RESOURCE_EXHAUSTED)).toBe("RESOURCE_EXHAUSTED");
    expect(statusName(99)).toBe("UNKNOWN");
  });
});
