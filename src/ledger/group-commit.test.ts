import { describe, expect, it } from "vitest";
import { ErrorCode, SwitchyardError } from "../core/errors.js";
import { silentLogger } from "../core/logger.js";
import { type BatchWriter, GroupCommit, type SingleWriter } from "./group-commit.js";
import type { SettleRequest, SettleResult } from "./types.js";

const req = (jobId: string): SettleRequest => ({ jobId, outcome: "succeeded" });
const ok = (): SettleResult => ({ settled: true, refunded: 0, rewarded: 10 });

function recorder(options: { failBatchesWith?: string; gate?: Promise<void> } = {}) {
  const batches: string[][] = [];
  const singles: string[] = [];
  const writeBatch: BatchWriter<SettleRequest, SettleResult> = async (requests) => {
    batches.push(requests.map((r) => r.jobId));
    await options.gate;
    if (options.failBatchesWith && requests.some((r) => r.jobId === options.failBatchesWith)) {
      throw new Error("batch failed");
    }
    return requests.map((r) =>
      r.jobId.startsWith("missing") ? new SwitchyardError(ErrorCode.NotFound, "no such job") : ok(),
    );
  };
  const writeOne: SingleWriter<SettleRequest, SettleResult> = async (request) => {
    singles.push(request.jobId);
    if (request.jobId === options.failBatchesWith)
      throw new SwitchyardError(ErrorCode.InvalidArgument, "bad");
    return ok();
  };
  return { batches, singles, writeBatch, writeOne };
}

describe("GroupCommit", () => {
  it("writes a full batch at once and the rest after the delay", async () => {
    const r = recorder();
    const batcher = new GroupCommit<SettleRequest, SettleResult>(r.writeBatch, r.writeOne, silentLogger(), {
      maxBatch: 4,
      maxDelayMs: 5,
    });
    const results = await Promise.all(["a", "b", "c", "d", "e", "f"].map((id) => batcher.submit(req(id))));
    expect(results).toHaveLength(6);
    expect(r.batches).toEqual([
      ["a", "b", "c", "d"],
      ["e", "f"],
    ]);
    expect(r.singles).toEqual([]);
  });

  it("hands each caller its own job's error", async () => {
    const r = recorder();
    const batcher = new GroupCommit<SettleRequest, SettleResult>(r.writeBatch, r.writeOne, silentLogger(), {
      maxDelayMs: 0,
    });
    const [a, missing] = await Promise.allSettled([
      batcher.submit(req("a")),
      batcher.submit(req("missing-1")),
    ]);
    expect(a).toMatchObject({ status: "fulfilled", value: { settled: true } });
    expect(missing).toMatchObject({ status: "rejected", reason: { code: "not_found" } });
    expect(r.batches).toEqual([["a", "missing-1"]]);
  });

  it("falls back to one by one when a batch fails, so one bad job blocks nobody", async () => {
    const r = recorder({ failBatchesWith: "bad" });
    const batcher = new GroupCommit<SettleRequest, SettleResult>(r.writeBatch, r.writeOne, silentLogger(), {
      maxDelayMs: 0,
    });
    const results = await Promise.allSettled(["a", "bad", "c"].map((id) => batcher.submit(req(id))));
    expect(results.map((x) => x.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(r.singles.sort()).toEqual(["a", "bad", "c"]);
  });

  it("keeps queueing while the in-flight limit is reached, then sends what queued as one batch", async () => {
    let open = (): void => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const r = recorder({ gate });
    const batcher = new GroupCommit<SettleRequest, SettleResult>(r.writeBatch, r.writeOne, silentLogger(), {
      maxBatch: 100,
      maxDelayMs: 0,
      maxInFlight: 1,
    });
    const first = batcher.submit(req("first"));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const rest = Array.from({ length: 10 }, (_, i) => batcher.submit(req(`j${i}`)));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(r.batches).toEqual([["first"]]);
    expect(batcher.pending).toBe(11);
    open();
    await Promise.all([first, ...rest]);
    expect(r.batches).toHaveLength(2);
    expect(r.batches[1]).toHaveLength(10);
  });

  it("flushes what is queued on close and refuses new work after", async () => {
    const r = recorder();
    const batcher = new GroupCommit<SettleRequest, SettleResult>(r.writeBatch, r.writeOne, silentLogger(), {
      maxBatch: 100,
      maxDelayMs: 60_000,
    });
    const queued = batcher.submit(req("a"));
    await batcher.close();
    await expect(queued).resolves.toMatchObject({ settled: true });
    await expect(batcher.submit(req("b"))).rejects.toMatchObject({ code: "unavailable" });
    await batcher.close();
    expect(batcher.pending).toBe(0);
  });
});
