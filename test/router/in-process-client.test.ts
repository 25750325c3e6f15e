import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/core/errors.js";
import type { Ledger } from "../../src/ledger/ledger.js";
import { InProcessClient } from "../../src/router/in-process-client.js";
import type { Router } from "../../src/router/router.js";
import type { TaskContext } from "../../src/worker/types.js";
import { billedStack } from "../helpers/billing.js";
import { eventually, TestStack } from "../helpers/stack.js";

/** A handler that streams `pieces` words, one every `gapMs`, and records whether it was aborted. */
function slowStream(pieces: number, gapMs: number, seen: { aborted: boolean }) {
  return async function* (_content: string, _params: unknown, context: TaskContext) {
    context.signal.addEventListener("abort", () => {
      seen.aborted = true;
    });
    for (let i = 0; i < pieces; i++) {
      await new Promise((resolve) => setTimeout(resolve, gapMs));
      if (context.signal.aborted) return;
      yield `w${i} `;
    }
  };
}

describe("InProcessClient: the gateway's jobs on a router in the same process", () => {
  const stack = new TestStack();
  afterEach(() => stack.close());

  async function billedRouter(seen = { aborted: false }): Promise<{
    router: Router;
    ledger: Ledger;
    client: InProcessClient;
    key: string;
    accountId: string;
  }> {
    const {
      ledger,
      router,
      client: account,
    } = await billedStack(stack, {
      echo: (c) => c,
      story: slowStream(50, 20, seen),
    });
    const client = new InProcessClient(router, { routers: [router.address] });
    stack.defer(() => client.close());
    return { router, ledger, client, key: account.apiKey, accountId: account.accountId };
  }

  it("runs a job, charges it, and answers as the gRPC client does", async () => {
    const { router, ledger, client, key, accountId } = await billedRouter();
    const local = await client.submit({ capability: "echo", content: "hello" }, { apiKey: key });
    const remote = await stack.client(router, key).submit({ capability: "echo", content: "hello" });
    expect(local).toMatchObject({ output: "hello", chunks: 1, cost: 10 });
    expect(local.jobId).not.toBe(remote.jobId);
    expect({ ...local, jobId: "", durationMs: 0 }).toEqual({ ...remote, jobId: "", durationMs: 0 });
    await ledger.flushSettlements();
    expect(await ledger.balance(accountId)).toMatchObject({ balance: 980, held: 0, spent: 20 });
  });

  it("refuses what JobService refuses, with the same codes, and charges nothing", async () => {
    const { ledger, client, key, accountId } = await billedRouter();
    const codeOf = (p: Promise<unknown>) =>
      p.then(
        () => "ok",
        (err: { code: string }) => err.code,
      );
    expect(await codeOf(client.submit({ capability: "echo", content: "x" }))).toBe(ErrorCode.Unauthenticated);
    expect(await codeOf(client.submit({ capability: "echo", content: "x" }, { apiKey: "sy_nope" }))).toBe(
      ErrorCode.Unauthenticated,
    );
    expect(await codeOf(client.submit({ capability: "nope", content: "x" }, { apiKey: key }))).toBe(
      ErrorCode.NotFound,
    );
    expect(
      await codeOf(client.submit({ capability: "echo", content: "x", maxCost: 5 }, { apiKey: key })),
    ).toBe(ErrorCode.InsufficientCredits);
    expect(await codeOf(client.submit({ capability: "", content: "x" }, { apiKey: key }))).toBe(
      ErrorCode.InvalidArgument,
    );
    expect(await codeOf(client.submit({ capability: "echo", maxCost: -1 }, { apiKey: key }))).toBe(
      ErrorCode.InvalidArgument,
    );
    expect(await ledger.balance(accountId)).toMatchObject({ balance: 1000, held: 0, spent: 0 });
  });

  it("streams deltas in order, then one result", async () => {
    const { client, key } = await billedRouter();
    const events = [];
    for await (const event of client.submitStream({ capability: "story", content: "" }, { apiKey: key })) {
      events.push(event);
    }
    const text = events.flatMap((e) => (e.type === "delta" ? [e.text] : [])).join("");
    expect(text).toBe(Array.from({ length: 50 }, (_, i) => `w${i} `).join(""));
    expect(events.at(-1)).toMatchObject({ type: "result", result: { output: text, cost: 10 } });
    expect(events.filter((e) => e.type === "result")).toHaveLength(1);
  });

  it("cancels the job on its node when the stream is left early, and refunds it", async () => {
    const seen = { aborted: false };
    const { ledger, client, key, accountId } = await billedRouter(seen);
    for await (const event of client.submitStream({ capability: "story", content: "" }, { apiKey: key })) {
      expect(event.type).toBe("delta");
      break;
    }
    await eventually(() => seen.aborted, 5_000, "the handler's signal aborted");
    await ledger.flushSettlements();
    await eventually(async () => (await ledger.balance(accountId)).held === 0, 5_000, "the hold settled");
    expect(await ledger.balance(accountId)).toMatchObject({ balance: 1000, held: 0, spent: 0 });
  });

  it("cancels the job on its node when the signal aborts, and rejects with cancelled", async () => {
    const seen = { aborted: false };
    const { client, key } = await billedRouter(seen);
    const controller = new AbortController();
    const pending = client.submit(
      { capability: "story", content: "" },
      { apiKey: key, signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.Cancelled });
    await eventually(() => seen.aborted, 5_000, "the handler's signal aborted");
    const streamed = client.submitStream(
      { capability: "story", content: "" },
      { apiKey: key, signal: controller.signal },
    );
    await expect(streamed.next()).rejects.toMatchObject({ name: "AbortError" });
  });
});
