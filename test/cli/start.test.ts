import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Runs the CLI until `pattern` appears in its stdout; resolves with the match. */
function runUntil(args: string[], env: Record<string, string>, pattern: RegExp) {
  const child = spawn(process.execPath, ["bin/switchyard.js", ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "silent", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const found = new Promise<RegExpMatchArray>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = out.match(pattern);
      if (m) resolve(m);
    });
    child.on("exit", (code) => reject(new Error(`exited with ${code} before printing ${pattern}: ${out}`)));
  });
  return { child, found };
}

describe("switchyard CLI", () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children) c.kill("SIGKILL");
    children.length = 0;
  });

  it("`all` serves the demo worker over HTTP and prints a working curl line", async () => {
    const { child, found } = runUntil(
      ["all"],
      { PORT: "0", ROUTER_PORT: "0", METRICS_PORT: "0", DATA_DIR: "memory://" },
      /curl -s (http:\/\/127\.0\.0\.1:\d+)\/v1\/chat\/completions[^\n]*\n\s*-H 'authorization: Bearer (sy_[\w-]+)'/,
    );
    children.push(child);
    const [, base, key] = await found;
    const anonymous = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "switchyard/demo", messages: [{ role: "user", content: "x" }] }),
    });
    expect(anonymous.status).toBe(401);
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({
        model: "switchyard/demo",
        messages: [{ role: "user", content: "Hello, Switchyard!" }],
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]?.message.content).toBe("You said: Hello, Switchyard!");
    const stopped = new Promise<number | null>((resolve) => child.on("exit", resolve));
    child.kill("SIGTERM");
    expect(await stopped).toBe(0);
  });

  it("documents every command and flag in --help", async () => {
    const { child, found } = runUntil(
      ["--help"],
      {},
      /[\s\S]*--upstream-key[\s\S]*HEARTBEAT_INTERVAL_MS[\s\S]*/,
    );
    children.push(child);
    const [text] = await found;
    for (const word of [
      "switchyard all",
      "switchyard router",
      "switchyard gateway",
      "switchyard worker",
      "--delay-ms",
      "--capability",
    ]) {
      expect(text).toContain(word);
    }
  });

  it("exits 2 with a message for a bad flag", async () => {
    const child = spawn(process.execPath, ["bin/switchyard.js", "worker", "--capability", "teleport"], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"],
    });
    children.push(child);
    let err = "";
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(2);
    expect(err).toContain("unknown capability: teleport");
  });
});
