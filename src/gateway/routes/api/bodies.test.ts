import { describe, expect, it } from "vitest";
import type { JobOutcome } from "../../../client/types.js";
import {
  toAccountBody,
  toBalanceBody,
  toJobBody,
  toKeyListBody,
  toNewKeyBody,
  toSeedJobBody,
  toTransactionPageBody,
} from "./bodies.js";
import { apiStreamEncoder } from "./stream-events.js";

const outcome: JobOutcome = {
  jobId: "job-1",
  output: "HELLO",
  chunks: 2,
  nodeIds: ["n1", "n2"],
  cost: 20,
  durationMs: 12,
  usage: undefined,
  model: "",
};

describe("native API bodies", () => {
  it("encodes a finished job", () => {
    expect(toJobBody(outcome)).toEqual({
      job_id: "job-1",
      status: "succeeded",
      result: "HELLO",
      cost: 20,
      chunks: 2,
      nodes: ["n1", "n2"],
      duration_ms: 12,
    });
  });

  it("encodes a finished job in the seed system's shape, naming the first node", () => {
    expect(toSeedJobBody(outcome)).toEqual({
      task_id: "job-1",
      status: "completed",
      result: "HELLO",
      cost: 20,
      node_id: "n1",
      processing_time_ms: 12,
    });
    expect(toSeedJobBody({ ...outcome, nodeIds: [] }).node_id).toBeNull();
  });

  it("encodes accounts, balances and keys in snake_case, copying only known fields", () => {
    const extra = { surprise: true };
    expect(toAccountBody({ accountId: "a", apiKey: "sy_k", balance: 1000, ...extra })).toEqual({
      account_id: "a",
      api_key: "sy_k",
      balance: 1000,
    });
    expect(toBalanceBody({ balance: 990, held: 0, earned: 5, spent: 10, ...extra })).toEqual({
      balance: 990,
      held: 0,
      earned: 5,
      spent: 10,
    });
    expect(toNewKeyBody({ keyId: "k", apiKey: "sy_x" })).toEqual({ key_id: "k", api_key: "sy_x" });
    expect(
      toKeyListBody([
        { keyId: "k", label: "ci", prefix: "sy_ab", role: "client", createdUnixMs: 0, revoked: true },
      ]),
    ).toEqual({
      keys: [
        {
          key_id: "k",
          label: "ci",
          prefix: "sy_ab",
          role: "client",
          created_at: "1970-01-01T00:00:00.000Z",
          revoked: true,
        },
      ],
    });
  });

  it("encodes a transaction page with ISO times, null job ids and a null cursor on the last page", () => {
    const t = {
      id: "1",
      kind: "grant",
      amount: 1000,
      jobId: "",
      note: "opening",
      createdUnixMs: 1_700_000_000_000,
    };
    expect(toTransactionPageBody({ transactions: [t], nextCursor: "" })).toEqual({
      transactions: [
        {
          id: "1",
          kind: "grant",
          amount: 1000,
          job_id: null,
          note: "opening",
          created_at: "2023-11-14T22:13:20.000Z",
        },
      ],
      next_cursor: null,
    });
    const charge = { ...t, kind: "charge", amount: -10, jobId: "j" };
    const page = toTransactionPageBody({ transactions: [charge], nextCursor: "c2" });
    expect(page.next_cursor).toBe("c2");
    expect(page.transactions[0]?.job_id).toBe("j");
  });
});

describe("apiStreamEncoder", () => {
  it("sends deltas, then the job body as the result", () => {
    expect(apiStreamEncoder.opening()).toEqual([]);
    expect(JSON.parse(apiStreamEncoder.delta("He"))).toEqual({ delta: "He" });
    expect(JSON.parse(apiStreamEncoder.delta('say "hi"\n'))).toEqual({ delta: 'say "hi"\n' });
    expect(apiStreamEncoder.closing(outcome, 5)).toEqual([{ result: toJobBody(outcome) }]);
  });
});
