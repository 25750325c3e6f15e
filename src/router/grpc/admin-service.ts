import type { ServerUnaryCall, sendUnaryData } from "@grpc/grpc-js";
import { ErrorCode, invalidArgument, SwitchyardError, toSwitchyardError } from "../../core/errors.js";
import type {
  AdminServiceServer,
  ConfigVersion,
  RoutingConfig as WireConfig,
} from "../../gen/switchyard/v1/admin.js";
import type { StoredConfigVersion } from "../../ledger/routing-store.js";
import type { Principal } from "../../ledger/types.js";
import type { AdminController } from "../admin/controller.js";
import type { RoutingConfig } from "../admin/routing-config.js";
import type { Billing } from "../billing/billing.js";

type Handler<Req, Res> = (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void;

export function toWireConfig(c: RoutingConfig): WireConfig {
  return {
    weightCapability: c.weights.capability,
    weightLoad: c.weights.load,
    weightRandom: c.weights.random,
    splitThreshold: c.splitThreshold,
    maxChunks: c.maxChunks,
    prices: { ...c.prices },
    defaultPrice: c.defaultPrice,
    defaultDeadlineMs: c.defaultDeadlineMs,
    maxDeadlineMs: c.maxDeadlineMs,
    maxAttempts: c.maxAttempts,
  };
}

export function fromWireConfig(w: WireConfig): RoutingConfig {
  return {
    weights: { capability: w.weightCapability, load: w.weightLoad, random: w.weightRandom },
    splitThreshold: w.splitThreshold,
    maxChunks: w.maxChunks,
    prices: { ...w.prices },
    defaultPrice: w.defaultPrice,
    defaultDeadlineMs: w.defaultDeadlineMs,
    maxDeadlineMs: w.maxDeadlineMs,
    maxAttempts: w.maxAttempts,
  };
}

function toWireVersion(v: StoredConfigVersion<RoutingConfig>): ConfigVersion {
  return {
    version: v.version,
    config: toWireConfig(v.config),
    author: v.author,
    createdUnixMs: v.createdAt,
    note: v.note,
  };
}

/**
 * AdminService: every method needs an admin key (others get permission_denied). Node controls,
 * pause and configuration go through the AdminController so that they reach every replica.
 */
export function adminService(billing: Billing, admin: AdminController): AdminServiceServer {
  const ledger = billing.ledger;
  function adminOnly<Req, Res>(
    fn: (call: ServerUnaryCall<Req, Res>, who: Principal) => Promise<Res>,
  ): Handler<Req, Res> {
    return (call, callback) => {
      billing
        .principal(call.metadata)
        .then((who) => {
          if (who.role !== "admin") {
            throw new SwitchyardError(ErrorCode.PermissionDenied, "this needs an admin key");
          }
          return fn(call, who);
        })
        .then(
          (res) => callback(null, res),
          (err: unknown) => callback(toSwitchyardError(err).toGrpc()),
        );
    };
  }
  const required = (value: string, name: string): string => {
    if (value.trim() === "") throw invalidArgument(`${name} is required`, name);
    return value;
  };
  return {
    drainNode: adminOnly(async (call) => {
      admin.drain(required(call.request.nodeId, "node_id"));
      return {};
    }),
    disconnectNode: adminOnly(async (call) => {
      admin.disconnect(required(call.request.nodeId, "node_id"));
      return {};
    }),
    setAccountSuspended: adminOnly(async (call) => {
      const accountId = required(call.request.accountId, "account_id");
      await ledger.setAccountSuspended(accountId, call.request.suspended);
      // A suspended operator's nodes leave too: their streams were authenticated before.
      if (call.request.suspended) admin.disconnectOperator(accountId);
      return {};
    }),
    setKeySuspended: adminOnly(async (call) => {
      await ledger.setKeySuspended(required(call.request.keyId, "key_id"), call.request.suspended);
      return {};
    }),
    grantCredits: adminOnly(async (call) => {
      const { accountId, amount, reason } = call.request;
      return { balance: await ledger.grant(required(accountId, "account_id"), amount, reason) };
    }),
    pauseRouting: adminOnly(async (call) => {
      await admin.pause(true, call.request.reason);
      return {};
    }),
    resumeRouting: adminOnly(async () => {
      await admin.pause(false, "");
      return {};
    }),
    getConfig: adminOnly(async () => ({ current: toWireVersion(admin.current()) })),
    updateConfig: adminOnly(async (call, who) => {
      if (!call.request.config) throw invalidArgument("config is required", "config");
      const saved = await admin.update(fromWireConfig(call.request.config), who.accountId, call.request.note);
      return { current: toWireVersion(saved) };
    }),
    listConfigVersions: adminOnly(async (call) => {
      const limit = call.request.limit > 0 ? Math.min(call.request.limit, 500) : 50;
      return { versions: (await admin.history(limit)).map(toWireVersion) };
    }),
    rollbackConfig: adminOnly(async (call, who) => {
      if (call.request.version <= 0)
        throw invalidArgument("version must be a saved version (1 or more)", "version");
      return { current: toWireVersion(await admin.rollback(call.request.version, who.accountId)) };
    }),
  };
}
