/**
 * Summarises a `.cpuprofile` written by `npm run bench -- --profile`: where the busy (non-idle) time of
 * the main thread went, charged to the nearest package or src/ directory on the stack (Node's own
 * internals are charged to whoever called them), plus the functions with the most self time.
 *
 *   node bin/run-ts.js bench/profile-summary.ts bench/results/profiles/<file>.cpuprofile [fromSec toSec]
 *
 * fromSec / toSec restrict the summary to part of the run, in seconds since the profile started.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const VM_ENTRIES = new Set(["(garbage collector)", "(program)"]);

/** The owner of a frame: a package, a src/ directory, or undefined for Node internals and natives. */
function ownerOf(url: string): string | undefined {
  if (url === "" || url.startsWith("node:")) return undefined;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  const src = url.split("/src/")[1];
  if (src !== undefined) return `src/${src.split("/")[0]}`;
  return url.replace(/^file:\/\//, "");
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || "(anonymous)"} ${url.split("/").slice(-2).join("/")}:${lineNumber + 1}`;
}

function top(totals: Map<string, number>, busy: number, count: number): string[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => `${((100 * us) / busy).toFixed(1).padStart(5)}%  ${name}`);
}

function summarise(profile: CpuProfile, fromSec: number, toSec: number): string[] {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parents = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n.id);

  const owners = new Map<string, number>();
  const selfTimes = new Map<string, number>();
  let busy = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    const sec = (at - profile.startTime) / 1e6;
    const leaf = nodes.get(profile.samples[i] ?? -1);
    // A sample's time runs until the next sample.
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (!leaf || sec < fromSec || sec >= toSec || leaf.callFrame.functionName === "(idle)") continue;
    busy += us;
    selfTimes.set(frameName(leaf), (selfTimes.get(frameName(leaf)) ?? 0) + us);
    let owner = VM_ENTRIES.has(leaf.callFrame.functionName) ? leaf.callFrame.functionName : undefined;
    for (
      let id: number | undefined = leaf.id;
      owner === undefined && id !== undefined;
      id = parents.get(id)
    ) {
      owner = ownerOf(nodes.get(id)?.callFrame.url ?? "");
    }
    owner ??= "node internals (no package on the stack)";
    owners.set(owner, (owners.get(owner) ?? 0) + us);
  }
  const lines = [`busy ${(busy / 1e6).toFixed(2)} s of main-thread CPU`, "", "by owner:"];
  lines.push(...top(owners, busy, 20), "", "top self time:", ...top(selfTimes, busy, 25));
  return lines;
}

const [file, from, to] = process.argv.slice(2);
if (!file) {
  console.error("usage: profile-summary.ts FILE.cpuprofile [fromSec toSec]");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
for (const line of summarise(
  profile,
  Number(from ?? 0),
  to === undefined ? Number.POSITIVE_INFINITY : Number(to),
))
  console.log(line);
