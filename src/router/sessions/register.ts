import { createHash } from "node:crypto";
import { invalidArgument, type SwitchyardError } from "../../core/errors.js";
import type { Register } from "../../gen/switchyard/v1/node.js";

export const MAX_NAME_LENGTH = 128;
export const MAX_CAPABILITIES = 64;
export const MAX_CONCURRENCY = 1024;
const MAX_TAG_LENGTH = 128;
const MAX_LIST = 256;

/** A Register message that passed validation, with lists de-duplicated. */
export interface ValidRegistration {
  name: string;
  capabilities: string[];
  languages: string[];
  models: string[];
  splittable: string[];
  maxConcurrency: number;
  labels: Record<string, string>;
  sdkVersion: string;
  /** The node handles RouterBatch messages. */
  acceptsBatches: boolean;
}

function cleanList(values: string[], field: string, max: number): string[] | SwitchyardError {
  const out = [...new Set(values)];
  if (out.length > max) return invalidArgument(`${field} may list at most ${max} entries`, field);
  for (const v of out) {
    if (v.trim() === "" || v.length > MAX_TAG_LENGTH) {
      return invalidArgument(`${field} entries must be 1 to ${MAX_TAG_LENGTH} characters`, field);
    }
  }
  return out;
}

/**
 * Checks a node's registration: name non-empty and at most 128 characters, 1 to 64 capabilities,
 * concurrency 1 to 1024, splittable a subset of the capabilities. Returns the error to close the
 * stream with, or the cleaned registration.
 */
export function validateRegistration(reg: Register): ValidRegistration | SwitchyardError {
  const name = reg.name.trim();
  if (name === "" || reg.name.length > MAX_NAME_LENGTH) {
    return invalidArgument(`node name must be 1 to ${MAX_NAME_LENGTH} characters`, "name");
  }
  if (reg.capabilities.length === 0)
    return invalidArgument("a node must declare at least one capability", "capabilities");
  const capabilities = cleanList(reg.capabilities, "capabilities", MAX_CAPABILITIES);
  if (!Array.isArray(capabilities)) return capabilities;
  if (
    !Number.isInteger(reg.maxConcurrency) ||
    reg.maxConcurrency < 1 ||
    reg.maxConcurrency > MAX_CONCURRENCY
  ) {
    return invalidArgument(`max_concurrency must be 1 to ${MAX_CONCURRENCY}`, "max_concurrency");
  }
  const languages = cleanList(reg.languages, "languages", MAX_LIST);
  if (!Array.isArray(languages)) return languages;
  const models = cleanList(reg.models, "models", MAX_LIST);
  if (!Array.isArray(models)) return models;
  const splittable = cleanList(reg.splittable, "splittable", MAX_CAPABILITIES);
  if (!Array.isArray(splittable)) return splittable;
  if (splittable.some((c) => !capabilities.includes(c))) {
    return invalidArgument("splittable must only name declared capabilities", "splittable");
  }
  if (splittable.includes("chat")) return invalidArgument("chat cannot be splittable", "splittable");
  const labelEntries = Object.entries(reg.labels);
  if (labelEntries.length > MAX_LIST) return invalidArgument(`at most ${MAX_LIST} labels`, "labels");
  return {
    name: reg.name,
    capabilities,
    languages,
    models,
    splittable,
    maxConcurrency: reg.maxConcurrency,
    labels: Object.fromEntries(labelEntries),
    sdkVersion: reg.sdkVersion.slice(0, MAX_TAG_LENGTH),
    acceptsBatches: reg.acceptsBatches === true,
  };
}

/** The stable node id for (operator account, node name). */
export function nodeIdFor(operator: string, name: string): string {
  return `nd_${createHash("sha256").update(operator).update("\n").update(name).digest("hex").slice(0, 24)}`;
}
