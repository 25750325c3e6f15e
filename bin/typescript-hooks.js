// Module hooks that let Node.js run the project's TypeScript as it is: a `./x.js` import written in a
// .ts file resolves to `./x.ts` when that exists (the NodeNext convention; `./x.mjs` to `./x.mts`),
// and a .ts or .mts file is compiled to an ES module by esbuild as it loads (the package is
// `"type": "module"`), with an inline source map so stack traces name .ts lines.
// Registered by bin/typescript.js; nothing here is imported by the code it loads.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { transform } from "esbuild";

const TS_FILE = /\.m?ts$/;
const RELATIVE_JS = /^\.{1,2}\/.*\.(m?)js$/;
const TARGET = `node${process.versions.node}`;

/** The repository's tsconfig.json, so esbuild reads verbatimModuleSyntax and the class-field rules. */
const tsconfigRaw = await readFile(new URL("../tsconfig.json", import.meta.url), "utf8");

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (parent !== undefined && TS_FILE.test(parent)) {
    const match = RELATIVE_JS.exec(specifier);
    if (match !== null) {
      const asTypeScript = `${specifier.slice(0, -(match[1].length + 2))}${match[1]}ts`;
      try {
        return await nextResolve(asTypeScript, context);
      } catch (error) {
        if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
      }
    }
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith("file:") || !TS_FILE.test(url)) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const source = await readFile(file, "utf8");
  const output = await transform(source, {
    loader: "ts",
    format: "esm",
    target: TARGET,
    sourcemap: "inline",
    sourcefile: file,
    tsconfigRaw,
  });
  return { format: "module", source: output.code, shortCircuit: true };
}
