import type { AccountBackend, AdminBackend, JobBackend, NetworkBackend } from "../client/types.js";

/**
 * A backend for route tests that must stop before the router: every call throws (which the gateway
 * answers with 500) and is counted, so a test can assert that none was made.
 */
export function unreachableBackend(): JobBackend &
  AccountBackend &
  NetworkBackend &
  AdminBackend & { calls(): number } {
  let calls = 0;
  const fail = (): never => {
    calls++;
    throw new Error("the backend must not be called");
  };
  return {
    submit: fail,
    submitStream: fail,
    listModels: fail,
    createAccount: fail,
    balance: fail,
    transactions: fail,
    createKey: fail,
    listKeys: fail,
    revokeKey: fail,
    status: fail,
    nodes: fail,
    drainNode: fail,
    disconnectNode: fail,
    setAccountSuspended: fail,
    setKeySuspended: fail,
    grantCredits: fail,
    pauseRouting: fail,
    resumeRouting: fail,
    getConfig: fail,
    updateConfig: fail,
    listConfigVersions: fail,
    rollbackConfig: fail,
    calls: () => calls,
  };
}
