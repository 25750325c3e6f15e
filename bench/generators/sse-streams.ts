/**
 * Concurrent streamed chat completions (`stream: true`) over node:http with a keep-alive agent: `streams`
 * lanes, each opening its next stream as soon as the previous one ended (closed loop). For every stream
 * it times, with the monotonic high-resolution clock from the moment the request was sent, the first
 * event carrying content (time to first token) and the gaps between successive content events
 * (inter-piece time). A stream is good when it answered 200 with event-stream, its content adds up to
 * the expected answer, and it ended with `data: [DONE]`. Lanes start spread over one stream's length,
 * each runs one discarded stream, then streams measured for `durationSec` (see `run`).
 *
 * Run by the bench (bench/generator.ts) with its job as JSON: SseJob.
 */
import { Agent, request } from "node:http";
import { type Percentiles, percentiles } from "../stats.js";
import { generatorInput, report } from "./protocol.js";

export interface SseJob {
  /** Full URL, e.g. http://127.0.0.1:1234/v1/chat/completions. */
  url: string;
  body: string;
  headers: Record<string, string>;
  /** What the content of every stream adds up to. */
  expected: string;
  /** How long one stream takes at the model's pace; lanes' starts are spread over it. */
  streamMs: number;
  streams: number;
  durationSec: number;
  maxStreams: number;
  timeoutSec: number;
}

export interface SseResult {
  streams: number;
  durationSec: number;
  /** Good streams. */
  ok: number;
  errors: number;
  /** Errors by kind. */
  errorKinds: Record<string, number>;
  firstError?: string;
  ttftMs: Percentiles;
  interPieceMs: Percentiles;
  /** Content events per good stream, on average (fewer than the pieces sent if some were merged). */
  eventsPerStream: number;
  /** Whole stream, request sent to [DONE]. */
  streamMs: Percentiles;
  warmupOk: number;
  warmupErrors: number;
  /** CPU this generator used over the whole run, in % of one core: near 100, it was the limit. */
  generatorCpuPct: number;
}

interface StreamTiming {
  ttft: number;
  gaps: number[];
  events: number;
  total: number;
}

const job = generatorInput<SseJob>();
const target = new URL(job.url);
const agent = new Agent({ keepAlive: true, maxSockets: job.streams });
const body = Buffer.from(job.body);
const headers = { ...job.headers, "content-type": "application/json", "content-length": body.length };

function now(): number {
  return performance.now();
}

/** The content of a chunk's delta, captured without parsing the whole event. */
const CONTENT = /"delta":\{(?:"role":"assistant",)?"content":"((?:[^"\\]|\\.)*)"/;

/**
 * Content of one SSE `data:` payload, "" for none; throws on an error event or a payload that is not a
 * chunk. A regular expression, not JSON.parse: at 512 streams the generator reads some 25 000 events a
 * second, and must stay far from being the bottleneck.
 */
function contentOf(payload: string): string {
  const match = CONTENT.exec(payload);
  if (match) {
    const text = match[1] ?? "";
    return text.includes("\\") ? (JSON.parse(`"${text}"`) as string) : text;
  }
  if (payload.startsWith('{"error"')) throw new Error(`error event: ${payload.slice(0, 200)}`);
  if (payload.includes('"delta"')) return "";
  throw new Error(`unexpected event: ${payload.slice(0, 200)}`);
}

function oneStream(): Promise<StreamTiming | { error: string; kind: string }> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (value: StreamTiming | { error: string; kind: string }): void => {
      if (settled) return;
      settled = true;
      resolve(value);
    };
    const sentAt = now();
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname, method: "POST", headers, agent },
      (res) => {
        const type = String(res.headers["content-type"] ?? "");
        if (res.statusCode !== 200 || !type.startsWith("text/event-stream")) {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            finish({
              kind: `status ${res.statusCode}`,
              error: `${res.statusCode} ${Buffer.concat(chunks).toString("utf8").slice(0, 200)}`,
            }),
          );
          res.on("error", (err) => finish({ kind: "connection", error: err.message }));
          return;
        }
        res.setEncoding("utf8");
        let buffered = "";
        let content = "";
        let done = false;
        let last = 0;
        const timing: StreamTiming = { ttft: -1, gaps: [], events: 0, total: 0 };
        res.on("data", (text: string) => {
          const at = now();
          buffered += text;
          let end = buffered.indexOf("\n\n");
          while (end >= 0) {
            const event = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            end = buffered.indexOf("\n\n");
            if (!event.startsWith("data: ")) continue;
            const payload = event.slice(6);
            if (payload === "[DONE]") {
              done = true;
              continue;
            }
            let piece: string;
            try {
              piece = contentOf(payload);
            } catch (err) {
              req.destroy();
              finish({ kind: "bad event", error: err instanceof Error ? err.message : String(err) });
              return;
            }
            if (piece === "") continue;
            content += piece;
            timing.events += 1;
            if (timing.ttft < 0) timing.ttft = at - sentAt;
            else timing.gaps.push(at - last);
            last = at;
          }
        });
        res.on("end", () => {
          timing.total = now() - sentAt;
          if (!done)
            finish({
              kind: "no [DONE]",
              error: `the stream ended without [DONE] after ${content.length} characters`,
            });
          else if (content !== job.expected)
            finish({ kind: "wrong content", error: `content ${JSON.stringify(content.slice(0, 100))}` });
          else finish(timing);
        });
        res.on("error", (err) => finish({ kind: "connection", error: err.message }));
      },
    );
    req.setTimeout(job.timeoutSec * 1000, () => req.destroy(new Error("timeout")));
    req.on("error", (err) =>
      finish({ kind: err.message === "timeout" ? "timeout" : "connection", error: err.message }),
    );
    req.end(body);
  });
}

/**
 * Each lane starts after its share of one stream's length (so that arrivals are spread evenly, as from
 * independent clients) and streams one after the other. Streams started in the first two stream lengths
 * are discarded (every lane has begun by then); those started in the `durationSec` after are measured,
 * at least one per lane (a target slower than its pace still gets measured), at most `maxStreams`.
 */
async function run(): Promise<Omit<SseResult, "generatorCpuPct">> {
  const ttft: number[] = [];
  const gaps: number[] = [];
  const totals: number[] = [];
  const errorKinds: Record<string, number> = {};
  let errors = 0;
  let events = 0;
  let firstError: string | undefined;
  let started = 0;
  let warmupOk = 0;
  let warmupErrors = 0;
  const t0 = now();
  const staggerMs = job.streamMs / job.streams;
  const measureFrom = t0 + 2 * job.streamMs;
  const until = measureFrom + job.durationSec * 1000;
  const lane = async (index: number): Promise<void> => {
    await new Promise((resolve) => setTimeout(resolve, index * staggerMs));
    let mine = 0;
    while (started < job.maxStreams && (now() < until || mine === 0)) {
      if (now() < measureFrom) {
        const warm = await oneStream();
        if ("error" in warm) warmupErrors += 1;
        else warmupOk += 1;
        continue;
      }
      started += 1;
      mine += 1;
      const outcome = await oneStream();
      if ("error" in outcome) {
        errors += 1;
        errorKinds[outcome.kind] = (errorKinds[outcome.kind] ?? 0) + 1;
        firstError ??= outcome.error;
        continue;
      }
      ttft.push(outcome.ttft);
      for (const g of outcome.gaps) gaps.push(g);
      totals.push(outcome.total);
      events += outcome.events;
    }
  };
  await Promise.all(Array.from({ length: job.streams }, (_, i) => lane(i)));
  const durationSec = (now() - measureFrom) / 1000;
  return {
    streams: job.streams,
    durationSec: Math.round(durationSec * 100) / 100,
    ok: ttft.length,
    errors,
    errorKinds,
    ...(firstError === undefined ? {} : { firstError }),
    ttftMs: percentiles(ttft, 2),
    interPieceMs: percentiles(gaps, 2),
    eventsPerStream: ttft.length > 0 ? Math.round((10 * events) / ttft.length) / 10 : 0,
    streamMs: percentiles(totals),
    warmupOk,
    warmupErrors,
  };
}

const startedAt = now();
const cpuBefore = process.cpuUsage();
const result = await run();
const cpu = process.cpuUsage(cpuBefore);
agent.destroy();
report({
  ...result,
  generatorCpuPct: Math.round((cpu.user + cpu.system) / 10 / Math.max(now() - startedAt, 1)),
} satisfies SseResult);
