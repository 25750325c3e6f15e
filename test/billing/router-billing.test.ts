import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/core/errors.js";
import type { Ledger } from "../../src/ledger/ledger.js";
import type { TaskContext } from "../../src/worker/types.js";
import { testBilling, testLedger } from "../helpers/billing.js";
import { PostgresServer, postgresAvailable } from "../helpers/postgres.js";
import { RawNode } from "../helpers/raw-node.js";
import { delay, eventually, TestStack } from "../helpers/stack.js";

const pgAvailable = postgresAvailable();

describe.skipIf(!pgAvailable)("billing through the router, on real PostgreSQL", () => {
  let postgres: PostgresServer;
  const stack = new TestStack();
  beforeAll(async () => {
    postgres = await PostgresServer.start();
  }, 60_000);
  afterAll(async () => {
    await postgres?.stop();
  });
  afterEach(() => stack.close());

  it("lets exactly 100 of 200 concurrent jobs through for 1000 credits at 10 each; the balance never goes negative", async () => {
    const ledger = await testLedger(stack, postgres);
    const { billing, operator } = await testBilling(ledger);
    const router = await stack.router({ billing });
    await stack.node(router, {
      name: "worker",
      apiKey: operator.apiKey,
      concurrency: 64,
      handlers: { echo: (c) => c },
    });
    const client = await ledger.createAccount({ name: "client" });
    const api = stack.client(router, client.apiKey);
    let lowest = Number.POSITIVE_INFINITY;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        lowest = Math.min(lowest, (await ledger.balance(client.accountId)).balance);
        await delay(2);
      }
    })();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => api.submit({ capability: "echo", content: String(i) })),
    );
    sampling = false;
    await sampler;
    const ok = outcomes.filter((o) => o.status === "fulfilled");
    const refused = outcomes.filter((o) => o.status === "rejected");
    expect(ok).toHaveLength(100);
    expect(
      refused.every((o) => (o as PromiseRejectedResult).reason.code === ErrorCode.InsufficientCredits),
    ).toBe(true);
    expect(lowest).toBeGreaterThanOrEqual(0);
    await ledger.flushSettlements();
    expect(await ledger.balance(client.accountId)).toMatchObject({ balance: 0, held: 0, spent: 1000 });
    expect(await ledger.balance(operator.accountId)).toMatchObject({ earned: 1000 });
    expect((await ledger.auditConservation()).ok).toBe(true);
  });

  it("conserves credits under faults: failing and leaving nodes, deadlines and cancels", async () => {
    const ledger = await testLedger(stack, postgres);
    const { billing, operator } = await testBilling(ledger);
    const router = await stack.router({ billing, maxAttempts: 2 });
    // A seeded generator keeps the run reproducible.
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const behaviour = async (c: string, ctx: TaskContext): Promise<string> => {
      const roll = random();
      if (roll < 0.15) throw new Error("flaky model");
      if (roll < 0.25) {
        await new Promise((_r, reject) =>
          ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)),
        );
      }
      await delay(Math.floor(random() * 20));
      return c;
    };
    const nodes = [];
    for (let i = 0; i < 4; i++) {
      nodes.push(
        await stack.node(router, {
          name: `n${i}`,
          apiKey: operator.apiKey,
          concurrency: 4,
          splittable: ["echo"],
          handlers: { echo: (c, _p, ctx) => behaviour(c, ctx) },
        }),
      );
    }
    const clients = await Promise.all(
      Array.from({ length: 5 }, (_, i) => ledger.createAccount({ name: `c${i}` })),
    );
    const jobs: Array<Promise<unknown>> = [];
    for (let i = 0; i < 150; i++) {
      const who = clients[i % clients.length];
      const api = stack.client(router, who?.apiKey);
      const controller = new AbortController();
      const big = random() < 0.2;
      jobs.push(
        api
          .submit(
            {
              capability: "echo",
              content: big ? "word ".repeat(600) : `job ${i}`,
              deadlineMs: random() < 0.2 ? 50 : 2_000,
            },
            { signal: controller.signal },
          )
          .catch((err: unknown) => err),
      );
      if (random() < 0.1) setTimeout(() => controller.abort(), Math.floor(random() * 30));
      if (i === 60) void nodes[3]?.stop(); // a node leaves mid-run
      if (i % 10 === 0) await delay(5);
    }
    const settledJobs = await Promise.all(jobs);
    expect(settledJobs.some((r) => r instanceof Error)).toBe(true);
    expect(settledJobs.some((r) => !(r instanceof Error))).toBe(true);
    await eventually(() => router.activeJobs === 0, 10_000, "every job over");
    await ledger.flushSettlements();
    const audit = await ledger.auditConservation();
    expect(audit).toMatchObject({ ok: true, openHolds: 0 });
    expect(audit.minted).toBe(1000 * (clients.length + 1));
    expect(await ledger.jobTransactionSums()).toEqual([]);
  });
});

describe("billing through the router, on PGlite", () => {
  const stack = new TestStack();
  afterEach(() => stack.close());

  async function setup(options: { prices?: Record<string, number> } = {}) {
    const ledger: Ledger = await testLedger(stack);
    const { billing, operator } = await testBilling(ledger, options);
    const router = await stack.router({ billing, splitThreshold: 100 });
    const client = await ledger.createAccount({ name: "client" });
    return { ledger, router, operator, client, api: stack.client(router, client.apiKey) };
  }

  it("charges price × chunks, pays each chunk's operator, and reports the cost", async () => {
    const { ledger, router, operator, client, api } = await setup({ prices: { upper: 7 } });
    for (const name of ["a", "b", "c"]) {
      await stack.node(router, {
        name,
        apiKey: operator.apiKey,
        splittable: ["upper"],
        handlers: { upper: (c) => c.toUpperCase() },
      });
    }
    const result = await api.submit({ capability: "upper", content: "lorem ipsum dolor. ".repeat(20) });
    expect(result.chunks).toBeGreaterThan(1);
    expect(result.cost).toBe(7 * result.chunks);
    await ledger.flushSettlements();
    expect(await ledger.balance(client.accountId)).toMatchObject({ balance: 1000 - result.cost, held: 0 });
    expect(await ledger.balance(operator.accountId)).toMatchObject({ earned: result.cost });
  });

  it("refuses no key, an unknown key and a revoked key with UNAUTHENTICATED, for jobs and nodes", async () => {
    const { ledger, router, operator, client } = await setup();
    await stack.node(router, { name: "n", apiKey: operator.apiKey, handlers: { echo: (c) => c } });
    const request = { capability: "echo", content: "x" };
    await expect(stack.client(router).submit(request)).rejects.toMatchObject({
      code: ErrorCode.Unauthenticated,
    });
    await expect(stack.client(router, "sy_not-a-real-key").submit(request)).rejects.toMatchObject({
      code: ErrorCode.Unauthenticated,
    });
    const extra = await ledger.createKey(client.accountId, { label: "soon revoked" });
    await expect(stack.client(router, extra.apiKey).submit(request)).resolves.toMatchObject({ output: "x" });
    await ledger.revokeKey(client.accountId, extra.keyId);
    await expect(stack.client(router, extra.apiKey).submit(request)).rejects.toMatchObject({
      code: ErrorCode.Unauthenticated,
    });
    const anonymousNode = new RawNode(router.address);
    stack.defer(() => anonymousNode.close());
    anonymousNode.register({ name: "anonymous" });
    expect((await anonymousNode.ended).code).toBe(16); // UNAUTHENTICATED
  });

  it("answers 402 for max_cost below the cost and 400 for a bad max_cost, charging nothing", async () => {
    const { ledger, router, operator, client, api } = await setup();
    await stack.node(router, { name: "n", apiKey: operator.apiKey, handlers: { echo: (c) => c } });
    await expect(api.submit({ capability: "echo", content: "x", maxCost: 5 })).rejects.toMatchObject({
      code: ErrorCode.InsufficientCredits,
      param: "max_cost",
    });
    await expect(api.submit({ capability: "echo", content: "x", maxCost: -1 })).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
    });
    await expect(api.submit({ capability: "echo", content: "x", maxCost: 2.5 })).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
    });
    await expect(api.submit({ capability: "nope", content: "x" })).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
    const history = await ledger.transactions(client.accountId, {});
    expect(history.items.map((t) => t.kind)).toEqual(["grant"]);
    expect((await ledger.balance(client.accountId)).balance).toBe(1000);
  });

  it("refunds a failed job and ignores a node's result for a job already settled", async () => {
    const { ledger, router, operator, client, api } = await setup();
    const raw = new RawNode(router.address, operator.apiKey);
    stack.defer(() => raw.close());
    raw.register({ name: "late" });
    await eventually(() => raw.first("registered") !== undefined, 5_000, "registered");
    await expect(api.submit({ capability: "echo", content: "x", deadlineMs: 200 })).rejects.toMatchObject({
      code: ErrorCode.DeadlineExceeded,
    });
    await ledger.flushSettlements();
    const after = await ledger.balance(client.accountId);
    expect(after).toMatchObject({ balance: 1000, held: 0 });
    const assigned = raw.first("assign");
    raw.send({
      msg: {
        $case: "result",
        value: { taskId: assigned?.taskId ?? "", outcome: { $case: "output", value: "too late" } },
      },
    });
    await delay(100);
    await ledger.flushSettlements();
    expect(await ledger.balance(client.accountId)).toEqual(after);
    expect(await ledger.balance(operator.accountId)).toMatchObject({ earned: 0 });
    expect((await ledger.auditConservation()).ok).toBe(true);
  });

  it("never writes a key to the router's log", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const ledger = await testLedger(stack);
    const { billing, operator } = await testBilling(ledger);
    const router = await stack.router({ billing, logger: pino({ level: "trace" }, sink) });
    await stack.node(router, { name: "n", apiKey: operator.apiKey, handlers: { echo: (c) => c } });
    const client = await ledger.createAccount({ name: "client" });
    await stack.client(router, client.apiKey).submit({ capability: "echo", content: "x" });
    await stack
      .client(router, "sy_wrong-key-123")
      .submit({ capability: "echo" })
      .catch(() => {});
    await router.close();
    const log = lines.join("");
    expect(log.length).toBeGreaterThan(0);
    for (const key of [client.apiKey, operator.apiKey, "sy_wrong-key-123"]) expect(log).not.toContain(key);
  });
});
