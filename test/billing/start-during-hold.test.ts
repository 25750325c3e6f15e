import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode, SwitchyardError } from "../../src/core/errors.js";
import type { Ledger } from "../../src/ledger/ledger.js";
import type { NodeOptions } from "../../src/worker/options.js";
import { billedStack } from "../helpers/billing.js";
import { delay, eventually, TestStack } from "../helpers/stack.js";

/** Makes every hold of `ledger` take `ms` longer, and optionally fail after that instead. */
function slowHolds(ledger: Ledger, ms: number, refuse?: () => SwitchyardError): void {
  const hold = ledger.hold.bind(ledger);
  ledger.hold = async (req) => {
    await delay(ms);
    if (refuse) throw refuse();
    return hold(req);
  };
}

describe("a job starts on its node while its hold is written", () => {
  const stack = new TestStack();
  afterEach(() => stack.close());

  async function setUp(handlers: NodeOptions["handlers"]) {
    const set = await billedStack(stack, handlers);
    return { ...set, api: stack.client(set.router, set.client.apiKey) };
  }

  it("answers only once the hold is placed, at the held cost, and pays the operator", async () => {
    const { ledger, operator, client, api } = await setUp({ echo: (c) => c });
    slowHolds(ledger, 300);
    const startedAt = Date.now();
    const outcome = await api.submit({ capability: "echo", content: "quick" });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
    expect(outcome).toMatchObject({ output: "quick", cost: 10 });
    await ledger.flushSettlements();
    expect(await ledger.balance(client.accountId)).toMatchObject({ balance: 990, held: 0, spent: 10 });
    expect(await ledger.balance(operator.accountId)).toMatchObject({ earned: 10 });
  });

  it("a refused hold answers its error, cancels the task on the node, shows no output and pays nobody", async () => {
    let aborted = false;
    let ran = false;
    const { ledger, operator, client, api } = await setUp({
      slow: async (_c, _p, ctx) => {
        ran = true;
        ctx.signal.addEventListener("abort", () => {
          aborted = true;
        });
        await delay(2_000);
        return "never seen";
      },
    });
    slowHolds(ledger, 200, () => new SwitchyardError(ErrorCode.InsufficientCredits, "insufficient credits"));
    await expect(api.submit({ capability: "slow", content: "x" })).rejects.toMatchObject({
      code: ErrorCode.InsufficientCredits,
    });
    expect(ran).toBe(true);
    await eventually(() => aborted, 5_000, "the task cancelled on its node");
    await ledger.flushSettlements();
    expect(await ledger.balance(client.accountId)).toMatchObject({ balance: 1000, held: 0, spent: 0 });
    expect(await ledger.balance(operator.accountId)).toMatchObject({ earned: 0 });
    expect((await ledger.auditConservation()).ok).toBe(true);
  });

  it("a streamed job shows no piece before its hold is placed, and none at all when it is refused", async () => {
    const { ledger, api } = await setUp({
      story: async function* () {
        for (let i = 0; i < 20; i++) {
          yield `p${i} `;
          await delay(10);
        }
      },
    });
    slowHolds(ledger, 150);
    const startedAt = Date.now();
    const seen: Array<{ type: string; at: number }> = [];
    for await (const event of api.submitStream({ capability: "story", content: "" })) {
      seen.push({ type: event.type, at: Date.now() - startedAt });
    }
    expect(seen[0]?.at).toBeGreaterThanOrEqual(140);
    expect(seen.at(-1)).toMatchObject({ type: "result" });

    const refusing = await setUp({
      story: async function* () {
        for (let i = 0; i < 20; i++) {
          yield `p${i} `;
          await delay(10);
        }
      },
    });
    slowHolds(
      refusing.ledger,
      150,
      () => new SwitchyardError(ErrorCode.PermissionDenied, "the account is suspended"),
    );
    const events: string[] = [];
    await expect(
      (async () => {
        for await (const event of refusing.api.submitStream({ capability: "story", content: "" })) {
          events.push(event.type);
        }
      })(),
    ).rejects.toMatchObject({ code: ErrorCode.PermissionDenied });
    expect(events).toEqual([]);
  });
});
