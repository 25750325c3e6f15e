#!/usr/bin/env node
// Runs the TypeScript entry point directly, so the CLI works straight from a clone.
import { registerTypeScript } from "./typescript.js";

registerTypeScript();
await import("../src/bin/switchyard.ts");
