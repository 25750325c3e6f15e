// Lets this process import the project's .ts files directly (see typescript-hooks.js).
import { register } from "node:module";

export function registerTypeScript() {
  process.setSourceMapsEnabled(true);
  register("./typescript-hooks.js", import.meta.url);
}
