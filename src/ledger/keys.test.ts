import { describe, expect, it } from "vitest";
import { displayPrefix, generateApiKey, hashApiKey, looksLikeApiKey, newId } from "./keys.js";

describe("API keys", () => {
  it("are sy_ plus 32 random bytes in base64url, and never repeat", () => {
    const keys = new Set(Array.from({ length: 1000 }, generateApiKey));
    expect(keys.size).toBe(1000);
    for (const key of keys) {
      expect(key).toMatch(/^sy_[A-Za-z0-9_-]{43}$/);
      expect(looksLikeApiKey(key)).toBe(true);
    }
  });

  it("hash to a stable hex SHA-256 that does not contain the key", () => {
    const key = generateApiKey();
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(key)).toBe(hashApiKey(key));
    expect(hashApiKey(key)).not.toBe(hashApiKey(generateApiKey()));
    expect(hashApiKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("show only a short prefix", () => {
    const key = generateApiKey();
    expect(displayPrefix(key)).toBe(`${key.slice(0, 9)}…`);
    expect(looksLikeApiKey("sk-not-ours-0000000000000000000000000000000")).toBe(false);
    expect(looksLikeApiKey("sy_short")).toBe(false);
    expect(newId("acc")).toMatch(/^acc_[A-Za-z0-9_-]{16}$/);
  });
});
