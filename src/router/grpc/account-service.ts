import type { ServerUnaryCall, sendUnaryData } from "@grpc/grpc-js";
import { invalidArgument, toSwitchyardError } from "../../core/errors.js";
import type { AccountServiceServer } from "../../gen/switchyard/v1/account.js";
import type { Principal } from "../../ledger/types.js";
import type { Billing } from "../billing/billing.js";

type Handler<Req, Res> = (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void;

/** Wraps an async method: converts what it throws into a gRPC status. */
function unary<Req, Res>(fn: (call: ServerUnaryCall<Req, Res>) => Promise<Res>): Handler<Req, Res> {
  return (call, callback) => {
    fn(call).then(
      (res) => callback(null, res),
      (err: unknown) => callback(toSwitchyardError(err).toGrpc()),
    );
  };
}

const MAX_NAME = 128;

/** AccountService over the ledger. Every method but CreateAccount needs the caller's key. */
export function accountService(billing: Billing): AccountServiceServer {
  const ledger = billing.ledger;
  const caller = (call: ServerUnaryCall<unknown, unknown>): Promise<Principal> =>
    billing.principal(call.metadata);
  return {
    createAccount: unary(async (call) => {
      const name = call.request.name.trim();
      if (name.length > MAX_NAME)
        throw invalidArgument(`name must be at most ${MAX_NAME} characters`, "name");
      const created = await ledger.createAccount({ name });
      return { accountId: created.accountId, apiKey: created.apiKey, balance: created.balance };
    }),
    getBalance: unary(async (call) => ledger.balance((await caller(call)).accountId)),
    listTransactions: unary(async (call) => {
      const { accountId } = await caller(call);
      const page = await ledger.transactions(accountId, {
        ...(call.request.limit > 0 ? { limit: call.request.limit } : {}),
        ...(call.request.cursor ? { cursor: call.request.cursor } : {}),
      });
      return {
        transactions: page.items.map((t) => ({
          id: t.id,
          kind: t.kind,
          amount: t.amount,
          jobId: t.jobId ?? "",
          note: t.note,
          createdUnixMs: t.createdAt,
        })),
        nextCursor: page.nextCursor ?? "",
      };
    }),
    createKey: unary(async (call) => {
      const { accountId } = await caller(call);
      const created = await ledger.createKey(accountId, { label: call.request.label });
      return { keyId: created.keyId, apiKey: created.apiKey };
    }),
    listKeys: unary(async (call) => {
      const keys = await ledger.listKeys((await caller(call)).accountId);
      return {
        keys: keys.map((k) => ({
          keyId: k.keyId,
          label: k.label,
          prefix: k.prefix,
          role: k.role,
          createdUnixMs: k.createdAt,
          revoked: k.revokedAt !== null,
        })),
      };
    }),
    revokeKey: unary(async (call) => {
      const { accountId } = await caller(call);
      if (call.request.keyId === "") throw invalidArgument("key_id is required", "key_id");
      await ledger.revokeKey(accountId, call.request.keyId);
      return {};
    }),
  };
}
