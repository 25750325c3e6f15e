import {
  type ChannelOptions,
  type ClientReadableStream,
  credentials,
  Metadata,
  type ServiceError,
} from "@grpc/grpc-js";
import { parseAddressList } from "../core/config.js";
import { ErrorCode, SwitchyardError, toSwitchyardError } from "../core/errors.js";
import {
  AccountServiceClient,
  type CreateAccountResponse,
  type CreateKeyResponse,
  type GetBalanceResponse,
  type ListKeysResponse,
  type ListTransactionsResponse,
  type RevokeKeyResponse,
} from "../gen/switchyard/v1/account.js";
import {
  AdminServiceClient,
  type ConfigVersion,
  type GetConfigResponse,
  type GrantCreditsResponse,
  type ListConfigVersionsResponse,
  type RollbackConfigResponse,
  type UpdateConfigResponse,
} from "../gen/switchyard/v1/admin.js";
import { type JobEvent, type JobResult, JobServiceClient } from "../gen/switchyard/v1/job.js";
import {
  type GetStatusResponse,
  type ListModelsResponse,
  type ListNodesResponse,
  NetworkServiceClient,
} from "../gen/switchyard/v1/network.js";
import { toOutcome, toSubmitRequest } from "./convert.js";
import type {
  AccountBackend,
  AdminBackend,
  ApiKeyEntry,
  Balance,
  CallOptions,
  JobBackend,
  JobOutcome,
  JobRequest,
  JobStreamEvent,
  NetworkBackend,
  NetworkStatus,
  NewAccount,
  NodeEntry,
  OnlineModel,
  RoutingConfigValues,
  RoutingConfigVersion,
  TransactionPage,
} from "./types.js";

export interface ClientOptions {
  /** Router addresses, "host:port" (a list or comma-separated). Calls go to the first that answers. */
  routers: string | string[];
  /** API key sent as `authorization: Bearer <key>`, unless a call brings its own. */
  apiKey?: string;
}

const CHANNEL_OPTIONS: ChannelOptions = {
  "grpc.max_receive_message_length": 64 * 1024 * 1024,
  "grpc.max_send_message_length": 64 * 1024 * 1024,
  "grpc.keepalive_time_ms": 30_000,
  "grpc.initial_reconnect_backoff_ms": 200,
  "grpc.max_reconnect_backoff_ms": 2_000,
};

interface Channel {
  jobs: JobServiceClient;
  network: NetworkServiceClient;
  accounts: AccountServiceClient;
  admin: AdminServiceClient;
}

function fromVersion(v: ConfigVersion | undefined): RoutingConfigVersion {
  if (!v?.config) throw new SwitchyardError(ErrorCode.Internal, "the router sent no configuration");
  return {
    version: v.version,
    config: v.config,
    author: v.author,
    createdUnixMs: v.createdUnixMs,
    note: v.note,
  };
}

/** True for a failure to reach the router at all (as opposed to the router's own answer). */
function unreachable(err: SwitchyardError): boolean {
  const cause = err.cause as ServiceError | undefined;
  return err.code === ErrorCode.Unavailable && cause?.metadata?.get("switchyard-error-code").length === 0;
}

/**
 * The gRPC client SDK. Submits jobs (whole or streamed) and reads the network's models. Failures are
 * thrown as SwitchyardError with the catalogue code the router sent. With several routers, a call that
 * cannot reach one tries the next.
 */
export class SwitchyardClient implements JobBackend, AccountBackend, NetworkBackend, AdminBackend {
  private readonly channels: Channel[];
  /** The key sent when a call brings none. */
  protected readonly defaultKey: string | undefined;
  private next = 0;

  constructor(options: ClientOptions) {
    const routers = Array.isArray(options.routers)
      ? options.routers.flatMap((r) => parseAddressList(r, "ClientOptions.routers"))
      : parseAddressList(options.routers, "ClientOptions.routers");
    this.channels = routers.map((address) => ({
      jobs: new JobServiceClient(address, credentials.createInsecure(), CHANNEL_OPTIONS),
      network: new NetworkServiceClient(address, credentials.createInsecure(), CHANNEL_OPTIONS),
      accounts: new AccountServiceClient(address, credentials.createInsecure(), CHANNEL_OPTIONS),
      admin: new AdminServiceClient(address, credentials.createInsecure(), CHANNEL_OPTIONS),
    }));
    this.defaultKey = options.apiKey;
  }

  /** Runs a job and resolves with its outcome. Aborting the signal cancels the job. */
  async submit(request: JobRequest, options: CallOptions = {}): Promise<JobOutcome> {
    const wire = toSubmitRequest(request);
    const result = await this.withFailover((channel) =>
      this.unary<JobResult>(options, (metadata, done) => channel.jobs.submit(wire, metadata, done)),
    );
    return toOutcome(result);
  }

  /**
   * Streams a job: deltas as the node produces them, then one result. Breaking out of the loop or
   * aborting the signal cancels the job on its node.
   */
  async *submitStream(request: JobRequest, options: CallOptions = {}): AsyncGenerator<JobStreamEvent> {
    options.signal?.throwIfAborted();
    const channel = this.pick();
    const call: ClientReadableStream<JobEvent> = channel.jobs.submitStream(
      toSubmitRequest(request),
      this.metadata(options),
    );
    const onAbort = (): void => call.cancel();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    let finished = false;
    try {
      for await (const event of call as AsyncIterable<JobEvent>) {
        const e = event.event;
        if (e?.$case === "delta") yield { type: "delta", text: e.value.text, chunkIndex: e.value.chunkIndex };
        else if (e?.$case === "result") {
          finished = true;
          yield { type: "result", result: toOutcome(e.value) };
        }
      }
    } catch (err) {
      if (options.signal?.aborted) {
        throw new SwitchyardError(ErrorCode.Cancelled, "the call was cancelled", { cause: err });
      }
      throw toSwitchyardError(err);
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
      if (!finished) call.cancel();
    }
  }

  /** Models online now. */
  async listModels(options: CallOptions = {}): Promise<OnlineModel[]> {
    const response = await this.withFailover((channel) =>
      this.unary<ListModelsResponse>(options, (metadata, done) =>
        channel.network.listModels({}, metadata, done),
      ),
    );
    return response.models.map((m) => ({ id: m.id, nodes: m.nodes, createdUnixMs: m.createdUnixMs }));
  }

  /** Nodes online, capabilities, prices, models and recent job figures. */
  async status(options: CallOptions = {}): Promise<NetworkStatus> {
    return this.withFailover((c) =>
      this.unary<GetStatusResponse>(options, (m, done) => c.network.getStatus({}, m, done)),
    );
  }

  /** Nodes online, optionally only those with a capability and/or model. */
  async nodes(
    filter: { capability?: string; model?: string } = {},
    options: CallOptions = {},
  ): Promise<NodeEntry[]> {
    const request = { capability: filter.capability ?? "", model: filter.model ?? "" };
    const response = await this.withFailover((c) =>
      this.unary<ListNodesResponse>(options, (m, done) => c.network.listNodes(request, m, done)),
    );
    return response.nodes;
  }

  /** Creates an account with its opening credits; the key is returned this once. */
  async createAccount(name: string, options: CallOptions = {}): Promise<NewAccount> {
    return this.withFailover((c) =>
      this.unary<CreateAccountResponse>(options, (m, done) => c.accounts.createAccount({ name }, m, done)),
    );
  }

  /** The caller's balance, open holds, earnings and spending. */
  async balance(options: CallOptions = {}): Promise<Balance> {
    return this.withFailover((c) =>
      this.unary<GetBalanceResponse>(options, (m, done) => c.accounts.getBalance({}, m, done)),
    );
  }

  /** The caller's transactions, newest first. */
  async transactions(
    page: { limit?: number; cursor?: string },
    options: CallOptions = {},
  ): Promise<TransactionPage> {
    const request = { limit: page.limit ?? 0, cursor: page.cursor ?? "" };
    return this.withFailover((c) =>
      this.unary<ListTransactionsResponse>(options, (m, done) =>
        c.accounts.listTransactions(request, m, done),
      ),
    );
  }

  /** A new key for the caller's account; shown this once. */
  async createKey(label: string, options: CallOptions = {}): Promise<{ keyId: string; apiKey: string }> {
    return this.withFailover((c) =>
      this.unary<CreateKeyResponse>(options, (m, done) => c.accounts.createKey({ label }, m, done)),
    );
  }

  /** The caller's keys, without secrets. */
  async listKeys(options: CallOptions = {}): Promise<ApiKeyEntry[]> {
    const response = await this.withFailover((c) =>
      this.unary<ListKeysResponse>(options, (m, done) => c.accounts.listKeys({}, m, done)),
    );
    return response.keys;
  }

  /** Revokes one of the caller's keys. */
  async revokeKey(keyId: string, options: CallOptions = {}): Promise<void> {
    await this.withFailover((c) =>
      this.unary<RevokeKeyResponse>(options, (m, done) => c.accounts.revokeKey({ keyId }, m, done)),
    );
  }

  /** Drains a node: it finishes its work and gets nothing new. Admin keys only. */
  async drainNode(nodeId: string, options: CallOptions = {}): Promise<void> {
    await this.withFailover((c) => this.unary(options, (m, done) => c.admin.drainNode({ nodeId }, m, done)));
  }

  /** Cuts a node's stream. Admin keys only. */
  async disconnectNode(nodeId: string, options: CallOptions = {}): Promise<void> {
    await this.withFailover((c) =>
      this.unary(options, (m, done) => c.admin.disconnectNode({ nodeId }, m, done)),
    );
  }

  async setAccountSuspended(accountId: string, suspended: boolean, options: CallOptions = {}): Promise<void> {
    await this.withFailover((c) =>
      this.unary(options, (m, done) => c.admin.setAccountSuspended({ accountId, suspended }, m, done)),
    );
  }

  async setKeySuspended(keyId: string, suspended: boolean, options: CallOptions = {}): Promise<void> {
    await this.withFailover((c) =>
      this.unary(options, (m, done) => c.admin.setKeySuspended({ keyId, suspended }, m, done)),
    );
  }

  /** Grants credits (a `grant` transaction); returns the new balance. */
  async grantCredits(
    accountId: string,
    amount: number,
    reason: string,
    options: CallOptions = {},
  ): Promise<number> {
    const res = await this.withFailover((c) =>
      this.unary<GrantCreditsResponse>(options, (m, done) =>
        c.admin.grantCredits({ accountId, amount, reason }, m, done),
      ),
    );
    return res.balance;
  }

  async pauseRouting(reason: string, options: CallOptions = {}): Promise<void> {
    await this.withFailover((c) =>
      this.unary(options, (m, done) => c.admin.pauseRouting({ reason }, m, done)),
    );
  }

  async resumeRouting(options: CallOptions = {}): Promise<void> {
    await this.withFailover((c) => this.unary(options, (m, done) => c.admin.resumeRouting({}, m, done)));
  }

  async getConfig(options: CallOptions = {}): Promise<RoutingConfigVersion> {
    const res = await this.withFailover((c) =>
      this.unary<GetConfigResponse>(options, (m, done) => c.admin.getConfig({}, m, done)),
    );
    return fromVersion(res.current);
  }

  async updateConfig(
    config: RoutingConfigValues,
    note: string,
    options: CallOptions = {},
  ): Promise<RoutingConfigVersion> {
    const res = await this.withFailover((c) =>
      this.unary<UpdateConfigResponse>(options, (m, done) => c.admin.updateConfig({ config, note }, m, done)),
    );
    return fromVersion(res.current);
  }

  async listConfigVersions(limit: number, options: CallOptions = {}): Promise<RoutingConfigVersion[]> {
    const res = await this.withFailover((c) =>
      this.unary<ListConfigVersionsResponse>(options, (m, done) =>
        c.admin.listConfigVersions({ limit }, m, done),
      ),
    );
    return res.versions.map(fromVersion);
  }

  async rollbackConfig(version: number, options: CallOptions = {}): Promise<RoutingConfigVersion> {
    const res = await this.withFailover((c) =>
      this.unary<RollbackConfigResponse>(options, (m, done) => c.admin.rollbackConfig({ version }, m, done)),
    );
    return fromVersion(res.current);
  }

  /** Closes the channels. Calls in flight fail. */
  close(): void {
    for (const channel of this.channels) {
      channel.jobs.close();
      channel.network.close();
      channel.accounts.close();
      channel.admin.close();
    }
  }

  private pick(): Channel {
    const channel = this.channels[this.next % this.channels.length] as Channel;
    return channel;
  }

  private async withFailover<T>(call: (channel: Channel) => Promise<T>): Promise<T> {
    let lastError: SwitchyardError | undefined;
    for (let i = 0; i < this.channels.length; i++) {
      try {
        return await call(this.pick());
      } catch (err) {
        lastError = toSwitchyardError(err);
        if (!unreachable(lastError)) throw lastError;
        this.next += 1;
      }
    }
    throw lastError ?? new SwitchyardError(ErrorCode.Unavailable, "no router configured");
  }

  private metadata(options: CallOptions): Metadata {
    const metadata = new Metadata();
    const key = options.apiKey ?? this.defaultKey;
    if (key) metadata.set("authorization", `Bearer ${key}`);
    return metadata;
  }

  private unary<T>(
    options: CallOptions,
    start: (metadata: Metadata, done: (err: ServiceError | null, value?: T) => void) => { cancel(): void },
  ): Promise<T> {
    options.signal?.throwIfAborted();
    return new Promise<T>((resolve, reject) => {
      const call = start(this.metadata(options), (err, value) => {
        options.signal?.removeEventListener("abort", onAbort);
        if (err)
          reject(
            options.signal?.aborted
              ? new SwitchyardError(ErrorCode.Cancelled, "the call was cancelled")
              : toSwitchyardError(err),
          );
        else resolve(value as T);
      });
      const onAbort = (): void => call.cancel();
      options.signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
