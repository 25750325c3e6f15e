import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SwitchyardError } from "../../src/core/errors.js";
import type { Ledger } from "../../src/ledger/ledger.js";
import type { SqlClient } from "../../src/ledger/sql-client.js";
import { BACKENDS, capturingLogger, startBackends, type TestBackend } from "./backends.js";

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

/** Every row of every text-like column of every table that contains `needle`. */
async function rowsContaining(client: SqlClient, needle: string): Promise<string[]> {
  const columns = await client.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'bytea', 'json', 'jsonb')`,
  );
  expect(columns.rows.length).toBeGreaterThan(5);
  const hits: string[] = [];
  for (const { table_name, column_name } of columns.rows) {
    const found = await client.query<{ n: unknown }>(
      `SELECT count(*) AS n FROM "${table_name}" WHERE strpos(encode(convert_to("${column_name}"::text, 'UTF8'), 'escape'), $1) > 0`,
      [needle],
    );
    if (Number(found.rows[0]?.n) > 0) hits.push(`${table_name}.${column_name}`);
  }
  return hits;
}

describe.each(BACKENDS)("accounts and keys on %s", (name) => {
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await started(name);
  });
  afterEach(() => backend.cleanup());
  afterAll(() => backend.stop());

  it("creates an account with its opening grant and a key that authenticates", async () => {
    const ledger = await backend.ledger();
    const created = await ledger.createAccount({ name: "alice" });
    expect(created.apiKey).toMatch(/^sy_[A-Za-z0-9_-]{43}$/);
    expect(created.balance).toBe(1000);
    expect(await ledger.balance(created.accountId)).toEqual({ balance: 1000, held: 0, earned: 0, spent: 0 });
    expect(await ledger.authenticate(created.apiKey)).toEqual({
      accountId: created.accountId,
      keyId: created.keyId,
      role: "user",
    });
    const page = await ledger.transactions(created.accountId);
    expect(page.items).toMatchObject([{ kind: "grant", amount: 1000, jobId: null }]);
    expect(await ledger.mintedTotal()).toBe(1000);
  });

  it("takes the opening grant from its options and the role from the request", async () => {
    const ledger = await backend.ledger({ openingGrant: 0 });
    const admin = await ledger.createAccount({ name: "ops", role: "admin" });
    expect(admin.balance).toBe(0);
    expect((await ledger.authenticate(admin.apiKey)).role).toBe("admin");
    expect((await ledger.transactions(admin.accountId)).items).toEqual([]);
    expect(await codeOf(ledger.createAccount({ name: "" }))).toBe("invalid_argument");
    expect(await codeOf(ledger.createAccount({ name: "x", role: "root" as never }))).toBe("invalid_argument");
  });

  it("creates, lists and revokes keys, and refuses other accounts' keys", async () => {
    const ledger = await backend.ledger();
    const alice = await ledger.createAccount({ name: "alice" });
    const bob = await ledger.createAccount({ name: "bob" });
    const second = await ledger.createKey(alice.accountId, { label: "ci", role: "admin" });
    expect(second.apiKey).not.toBe(alice.apiKey);
    expect((await ledger.authenticate(second.apiKey)).role).toBe("admin");

    const keys = await ledger.listKeys(alice.accountId);
    expect(keys.map((k) => k.keyId)).toEqual([alice.keyId, second.keyId]);
    expect(keys[1]).toMatchObject({ label: "ci", role: "admin", revokedAt: null, suspended: false });
    expect(keys[1]?.prefix).toBe(`${second.apiKey.slice(0, 9)}…`);
    expect(JSON.stringify(keys)).not.toContain(second.apiKey);

    expect(await codeOf(ledger.revokeKey(bob.accountId, second.keyId))).toBe("not_found");
    expect(await codeOf(ledger.revokeKey(alice.accountId, "key_nope"))).toBe("not_found");
    await ledger.revokeKey(alice.accountId, second.keyId);
    await ledger.revokeKey(alice.accountId, second.keyId);
    expect(await codeOf(ledger.authenticate(second.apiKey))).toBe("unauthenticated");
    expect(await ledger.authenticate(alice.apiKey)).toMatchObject({ accountId: alice.accountId });
    expect((await ledger.listKeys(alice.accountId))[1]?.revokedAt).toEqual(expect.any(Number));

    expect(await codeOf(ledger.createKey("acc_nope", {}))).toBe("not_found");
    expect(await codeOf(ledger.listKeys("acc_nope"))).toBe("not_found");
  });

  it("refuses unknown keys and suspended keys or accounts, even right after a cached success", async () => {
    const ledger = await backend.ledger();
    const alice = await ledger.createAccount({ name: "alice" });
    const spare = await ledger.createKey(alice.accountId, { label: "spare" });
    expect(await codeOf(ledger.authenticate(""))).toBe("unauthenticated");
    expect(await codeOf(ledger.authenticate("sy_not-a-real-key-but-long-enough-to-look-up-xx"))).toBe(
      "unauthenticated",
    );

    await ledger.authenticate(alice.apiKey); // now cached
    await ledger.setKeySuspended(alice.keyId, true);
    expect(await codeOf(ledger.authenticate(alice.apiKey))).toBe("permission_denied");
    expect(await ledger.authenticate(spare.apiKey)).toMatchObject({ keyId: spare.keyId });
    await ledger.setKeySuspended(alice.keyId, false);
    expect(await ledger.authenticate(alice.apiKey)).toMatchObject({ keyId: alice.keyId });

    await ledger.setAccountSuspended(alice.accountId, true);
    expect(await codeOf(ledger.authenticate(alice.apiKey))).toBe("permission_denied");
    expect(await codeOf(ledger.authenticate(spare.apiKey))).toBe("permission_denied");
    await ledger.setAccountSuspended(alice.accountId, false);
    expect(await ledger.authenticate(spare.apiKey)).toMatchObject({ keyId: spare.keyId });

    expect(await codeOf(ledger.setKeySuspended("key_nope", true))).toBe("not_found");
    expect(await codeOf(ledger.setAccountSuspended("acc_nope", true))).toBe("not_found");
  });

  it("a revocation through another instance is seen once the cache entry expires", async () => {
    const db = await backend.database();
    const a = await db.ledger({ authCacheTtlMs: 50 });
    const b = await db.ledger();
    const alice = await a.createAccount({ name: "alice" });
    await a.authenticate(alice.apiKey);
    await b.revokeKey(alice.accountId, alice.keyId);
    await new Promise((r) => setTimeout(r, 80));
    expect(await codeOf(a.authenticate(alice.apiKey))).toBe("unauthenticated");
  });

  it("grants credits as grant transactions and counts them as minted", async () => {
    const ledger = await backend.ledger();
    const alice = await ledger.createAccount({ name: "alice" });
    expect(await ledger.grant(alice.accountId, 250, "promo")).toBe(1250);
    expect((await ledger.transactions(alice.accountId)).items[0]).toMatchObject({
      kind: "grant",
      amount: 250,
      note: "promo",
    });
    expect(await ledger.mintedTotal()).toBe(1250);
    expect(await codeOf(ledger.grant(alice.accountId, 0, "x"))).toBe("invalid_argument");
    expect(await codeOf(ledger.grant(alice.accountId, 1.5, "x"))).toBe("invalid_argument");
    expect(await codeOf(ledger.grant("acc_nope", 5, "x"))).toBe("not_found");
    expect((await ledger.auditConservation()).ok).toBe(true);
  });

  it("never stores or logs a clear key", async () => {
    const { logger, text } = capturingLogger();
    const db = await backend.database();
    const ledger = await db.ledger({ logger });
    const alice = await ledger.createAccount({ name: "alice" });
    const extra = await ledger.createKey(alice.accountId, { label: "extra" });
    await ledger.authenticate(alice.apiKey);
    await ledger.authenticate(extra.apiKey);
    await ledger.revokeKey(alice.accountId, extra.keyId);
    await codeOf(ledger.authenticate(extra.apiKey));
    await ledger.hold({
      jobId: "j1",
      accountId: alice.accountId,
      amount: 10,
      capability: "echo",
      chunks: 1,
      holdTtlMs: 60_000,
    });
    await ledger.settle({ jobId: "j1", outcome: "succeeded" });

    const client = db.client();
    for (const key of [alice.apiKey, extra.apiKey]) {
      expect(await rowsContaining(client, key)).toEqual([]);
      // Everything after the short display prefix is secret too.
      expect(await rowsContaining(client, key.slice(12))).toEqual([]);
      expect(text()).not.toContain(key);
      expect(text()).not.toContain(key.slice(12));
    }
    expect(text()).toContain(alice.accountId);
  });

  it("refuses every call after close, and close is idempotent", async () => {
    const ledger: Ledger = await backend.ledger({ batching: {} });
    const alice = await ledger.createAccount({ name: "alice" });
    await Promise.all([ledger.close(), ledger.close()]);
    await ledger.close();
    expect(await codeOf(ledger.balance(alice.accountId))).toBe("unavailable");
    expect(await codeOf(ledger.settle({ jobId: "j", outcome: "failed" }))).toBe("unavailable");
  });
});
