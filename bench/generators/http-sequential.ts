/**
 * A closed-loop HTTP client with one keep-alive connection and one request in flight (the c1 load),
 * timing every request with the monotonic high-resolution clock, so its latencies are exact to well
 * under 0.1 ms (autocannon's histogram has whole milliseconds). Runs `warmupSec` of discarded requests,
 * then measures for `durationSec` or `maxRequests`, whichever ends first. Every answer is checked as
 * autocannon's are (2xx and the expected chat completion).
 *
 * Run by the bench (bench/generator.ts) with its job as JSON: SequentialJob.
 */
import { Agent, request } from "node:http";
import { isValidAnswer } from "../chat.js";
import type { LoadResult } from "../load.js";
import { percentiles } from "../stats.js";
import { generatorInput, report } from "./protocol.js";

export interface SequentialJob {
  /** Full URL of the request, e.g. http://127.0.0.1:1234/v1/chat/completions. */
  url: string;
  body: string;
  headers: Record<string, string>;
  warmupSec: number;
  durationSec: number;
  maxRequests: number;
  timeoutSec: number;
}

type Outcome = { status: number; ok: boolean } | { error: string };

const job = generatorInput<SequentialJob>();
const target = new URL(job.url);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const body = Buffer.from(job.body);
const headers = { ...job.headers, "content-type": "application/json", "content-length": body.length };

function once(): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: "POST",
        headers,
        agent,
        timeout: job.timeoutSec * 1000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status, ok: status >= 200 && status <= 299 && isValidAnswer(text) });
        });
        res.on("error", (err) => resolve({ error: err.message }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (err) => resolve({ error: err.message }));
    req.end(body);
  });
}

async function run(seconds: number, maxRequests: number, measured: boolean): Promise<LoadResult> {
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let non2xx = 0;
  let badBodies = 0;
  let connectionErrors = 0;
  let timeouts = 0;
  let sent = 0;
  const startedAt = process.hrtime.bigint();
  const until = startedAt + BigInt(Math.round(seconds * 1e9));
  while (sent < maxRequests && process.hrtime.bigint() < until) {
    sent += 1;
    const t0 = process.hrtime.bigint();
    const outcome = await once();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if ("error" in outcome) {
      connectionErrors += 1;
      if (outcome.error === "timeout") timeouts += 1;
      continue;
    }
    statusCodes[outcome.status] = (statusCodes[outcome.status] ?? 0) + 1;
    if (outcome.status < 200 || outcome.status > 299) non2xx += 1;
    else if (!outcome.ok) badBodies += 1;
    else if (measured) latencies.push(ms);
    else latencies.push(0);
  }
  const durationSec = Number(process.hrtime.bigint() - startedAt) / 1e9;
  const l = percentiles(latencies, 2);
  return {
    connections: 1,
    durationSec: Math.round(durationSec * 100) / 100,
    ok: latencies.length,
    reqPerSec: durationSec > 0 ? latencies.length / durationSec : 0,
    latencyMs: { p50: l.p50, p90: l.p90, p99: l.p99, max: l.max, mean: l.mean },
    errors: non2xx + badBodies + connectionErrors,
    non2xx,
    badBodies,
    connectionErrors,
    timeouts,
    dropped: 0,
    sent,
    statusCodes,
  };
}

const warm = await run(job.warmupSec, job.maxRequests, false);
const measured = await run(job.durationSec, job.maxRequests, true);
agent.destroy();
report({ ...measured, warmupErrors: warm.errors });
