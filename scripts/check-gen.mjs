// Fails when src/gen differs from what `npm run gen` would write from proto/.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), "switchyard-gen-"));

function files(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...files(path));
    else found.push(path);
  }
  return found;
}

try {
  execFileSync(join(root, "node_modules/.bin/buf"), ["generate", "--output", out], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH}` },
  });
  const fresh = join(out, "src/gen");
  const committed = join(root, "src/gen");
  const want = new Map(files(fresh).map((f) => [relative(fresh, f), readFileSync(f, "utf8")]));
  const have = new Map(files(committed).map((f) => [relative(committed, f), readFileSync(f, "utf8")]));
  const stale = [];
  for (const [name, text] of want) if (have.get(name) !== text) stale.push(name);
  for (const name of have.keys()) if (!want.has(name)) stale.push(name);
  if (stale.length > 0) {
    console.error(`src/gen is stale; run \`npm run gen\`. Differs: ${stale.join(", ")}`);
    process.exit(1);
  }
  console.log(`src/gen is up to date (${want.size} files).`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
