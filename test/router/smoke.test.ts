import { afterEach, describe, expect, it } from "vitest";
import { TestStack } from "../helpers/stack.js";

describe("router smoke", () => {
  const stack = new TestStack();
  afterEach(() => stack.close());

  it("runs a job on a node and streams another", async () => {
    const router = await stack.router();
    await stack.node(router, { name: "n1", handlers: { echo: (c) => c.toUpperCase() } });
    const client = stack.client(router);
    const out = await client.submit({ capability: "echo", content: "hello" });
    expect(out.output).toBe("HELLO");
    const events = [];
    for await (const e of client.submitStream({ capability: "echo", content: "abc" })) events.push(e);
    expect(events.map((e) => e.type)).toEqual(["delta", "result"]);
  });
});
