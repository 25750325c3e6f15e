/**
 * A closed-loop gRPC unary load: `inFlight` calls at once on one channel (HTTP/2 multiplexes them, as
 * SwitchyardClient does), each lane sending its next call as soon as the previous one answered.
 * Requests and responses are raw bytes (the caller encodes the request once), so the generator costs
 * the same whatever the target: Switchyard's JobService.Submit or the raw grpc-js echo server. An
 * answer is good when its status is OK and its bytes contain `expect` (the echoed content, which a
 * JobResult carries as its output). Runs `warmupSec` of discarded calls, then measures for
 * `durationSec` or `maxCalls`, whichever ends first.
 *
 * Run by the bench (bench/generator.ts) with its job as JSON: GrpcJob.
 */
import { Client, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { type Percentiles, percentiles } from "../stats.js";
import { generatorInput, report } from "./protocol.js";

export interface GrpcJob {
  /** host:port */
  address: string;
  /** Full method path, e.g. /switchyard.v1.JobService/Submit. */
  method: string;
  /** The serialised request, base64. */
  requestBase64: string;
  /** Text every good answer contains. */
  expect: string;
  metadata: Record<string, string>;
  inFlight: number;
  warmupSec: number;
  durationSec: number;
  maxCalls: number;
  timeoutMs: number;
}

export interface GrpcResult {
  inFlight: number;
  durationSec: number;
  ok: number;
  callsPerSec: number;
  latencyMs: Percentiles;
  errors: number;
  /** Calls by gRPC status name or error, the good ones as OK. */
  statuses: Record<string, number>;
  firstError?: string;
  warmupOk: number;
  warmupErrors: number;
  /** CPU this generator used during the measured part, in % of one core: near 100, it was the limit. */
  generatorCpuPct: number;
}

const job = generatorInput<GrpcJob>();
const client = new Client(job.address, credentials.createInsecure());
const request = Buffer.from(job.requestBase64, "base64");
const expect = Buffer.from(job.expect);
const identity = (b: Buffer): Buffer => b;

function call(): Promise<ServiceError | Buffer | null> {
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(job.metadata)) metadata.set(k, v);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      job.method,
      identity,
      identity,
      request,
      metadata,
      { deadline: Date.now() + job.timeoutMs },
      (err, value) => resolve(err ?? value ?? null),
    );
  });
}

async function run(
  seconds: number,
  maxCalls: number,
): Promise<Omit<GrpcResult, "warmupOk" | "warmupErrors" | "generatorCpuPct">> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let firstError: string | undefined;
  let sent = 0;
  const startedAt = process.hrtime.bigint();
  const until = startedAt + BigInt(Math.round(seconds * 1e9));
  const lane = async (): Promise<void> => {
    while (sent < maxCalls && process.hrtime.bigint() < until) {
      sent += 1;
      const t0 = process.hrtime.bigint();
      const answer = await call();
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      let status: string;
      if (Buffer.isBuffer(answer) && answer.includes(expect)) {
        status = "OK";
        latencies.push(ms);
      } else {
        status = answer instanceof Error ? `code ${answer.code}` : "unexpected answer";
        errors += 1;
        firstError ??= answer instanceof Error ? answer.message : `${status}: ${String(answer)}`;
      }
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: job.inFlight }, lane));
  const durationSec = Number(process.hrtime.bigint() - startedAt) / 1e9;
  return {
    inFlight: job.inFlight,
    durationSec: Math.round(durationSec * 100) / 100,
    ok: latencies.length,
    callsPerSec: durationSec > 0 ? Math.round((10 * latencies.length) / durationSec) / 10 : 0,
    latencyMs: percentiles(latencies, 2),
    errors,
    statuses,
    ...(firstError === undefined ? {} : { firstError }),
  };
}

const warm = await run(job.warmupSec, job.maxCalls);
const cpuBefore = process.cpuUsage();
const measured = await run(job.durationSec, job.maxCalls);
const cpu = process.cpuUsage(cpuBefore);
client.close();
report({
  ...measured,
  warmupOk: warm.ok,
  warmupErrors: warm.errors,
  generatorCpuPct: Math.round((cpu.user + cpu.system) / 1e4 / Math.max(measured.durationSec, 0.001)),
} satisfies GrpcResult);
