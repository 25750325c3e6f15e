import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SwitchyardError } from "../../src/core/errors.js";
import { BACKENDS, startBackends, type TestBackend } from "./backends.js";

const started = startBackends();

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof SwitchyardError) return err.code;
    throw err;
  }
  return "no error";
}

describe.each(BACKENDS)("transaction history on %s", (name) => {
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await started(name);
  });
  afterEach(() => backend.cleanup());
  afterAll(() => backend.stop());

  it("pages newest first with no duplicates or gaps while new transactions arrive", async () => {
    const ledger = await backend.ledger();
    const { accountId } = await ledger.createAccount({ name: "alice" });
    for (let i = 1; i <= 60; i++) await ledger.grant(accountId, i, `g${i}`);
    const before = await ledger.transactions(accountId, { limit: 500 });
    expect(before.items).toHaveLength(61);
    expect(before.nextCursor).toBeNull();

    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing && written < 1_000) {
        await ledger.grant(accountId, 1000 + written, "during");
        written++;
      }
    })();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await ledger.transactions(accountId, { limit: 7, cursor });
      seen.push(...page.items.map((t) => t.id));
      cursor = page.nextCursor;
      pages++;
      // Let the writer in between pages.
      await new Promise((r) => setTimeout(r, 2));
    } while (cursor !== null);
    writing = false;
    await writer;

    expect(written).toBeGreaterThan(0);
    expect(new Set(seen).size).toBe(seen.length);
    const ids = seen.map(BigInt);
    for (let i = 1; i < ids.length; i++) expect((ids[i] as bigint) < (ids[i - 1] as bigint)).toBe(true);
    // Every row that existed before paging began is on exactly one page.
    for (const t of before.items) expect(seen).toContain(t.id);
    expect(pages).toBeGreaterThanOrEqual(9);
    const all = await ledger.transactions(accountId, { limit: 500 });
    expect(all.items.slice(0, written).every((t) => t.note === "during")).toBe(true);
  });

  it("returns transaction fields and checks the limit and cursor", async () => {
    const ledger = await backend.ledger();
    const { accountId } = await ledger.createAccount({ name: "alice" });
    await ledger.hold({
      jobId: "j",
      accountId,
      amount: 25,
      capability: "echo",
      chunks: 1,
      holdTtlMs: 60_000,
    });
    const page = await ledger.transactions(accountId, { limit: 1 });
    expect(page.items).toEqual([
      {
        id: expect.any(String),
        kind: "charge",
        amount: -25,
        jobId: "j",
        note: "echo",
        createdAt: expect.any(Number),
      },
    ]);
    expect(Math.abs((page.items[0]?.createdAt ?? 0) - Date.now())).toBeLessThan(60_000);
    expect(page.nextCursor).toEqual(expect.any(String));
    const next = await ledger.transactions(accountId, { limit: 1, cursor: page.nextCursor });
    expect(next.items).toMatchObject([{ kind: "grant", amount: 1000 }]);
    expect(next.nextCursor).toBeNull();

    for (const limit of [0, 501, 1.5]) {
      expect(await codeOf(ledger.transactions(accountId, { limit }))).toBe("invalid_argument");
    }
    for (const cursor of [
      "garbage",
      "eyJ2IjoxfQ",
      Buffer.from('{"v":1,"id":"1; drop"}').toString("base64url"),
    ]) {
      expect(await codeOf(ledger.transactions(accountId, { cursor }))).toBe("invalid_argument");
    }
    expect(await ledger.transactions("acc_nope")).toEqual({ items: [], nextCursor: null });
    expect(await codeOf(ledger.balance("acc_nope"))).toBe("not_found");
  });
});
