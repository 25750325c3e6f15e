#!/usr/bin/env node
// Runs a TypeScript file: `node bin/run-ts.js path/to/file.ts [args]`.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { registerTypeScript } from "./typescript.js";

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error("usage: run-ts.js FILE.ts [args]");
  process.exit(2);
}
process.argv = [process.argv[0], resolve(file), ...rest];
registerTypeScript();
await import(pathToFileURL(resolve(file)).href);
