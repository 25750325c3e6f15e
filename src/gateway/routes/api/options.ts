import type { AccountBackend, JobBackend } from "../../../client/types.js";
import type { RateLimiter } from "../../rate-limiter.js";
import type { StreamRegistry } from "../../stream-registry.js";

/** What the native API routes are given by the app. */
export interface ApiRouteOptions {
  /** The router: jobs and accounts. */
  backend: JobBackend & AccountBackend;
  /** Open SSE streams, ended by the app's preClose hook. */
  streams: StreamRegistry;
  /** Limits account creation per client address (`/accounts` and `/register` share it). */
  accountLimiter: RateLimiter;
}
