import { fileURLToPath } from "node:url";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { AccountServiceService } from "../../gen/switchyard/v1/account.js";
import { AdminServiceService } from "../../gen/switchyard/v1/admin.js";
import { JobServiceService } from "../../gen/switchyard/v1/job.js";
import { NetworkServiceService } from "../../gen/switchyard/v1/network.js";
import { NodeServiceService } from "../../gen/switchyard/v1/node.js";
import { observingInterceptor } from "../metrics/grpc-calls.js";
import type { RouterSettings } from "../options.js";
import type { Router } from "../router.js";
import { accountService } from "./account-service.js";
import { adminService } from "./admin-service.js";
import { jobService } from "./job-service.js";
import { networkService } from "./network-service.js";
import { nodeService } from "./node-service.js";

const PROTO_ROOT = fileURLToPath(new URL("../../../proto", import.meta.url));
const PROTO_FILES = ["account", "admin", "common", "job", "network", "node"].map(
  (f) => `switchyard/v1/${f}.proto`,
);

/** How long close() lets calls finish before cutting them. */
const SHUTDOWN_TIMEOUT_MS = 5_000;

/** The router's gRPC server: the five services plus server reflection. */
export class GrpcRouterServer {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(router: Router, settings: RouterSettings): Promise<GrpcRouterServer> {
    const server = new Server({
      "grpc.max_receive_message_length": 64 * 1024 * 1024,
      "grpc.max_send_message_length": 64 * 1024 * 1024,
      "grpc.keepalive_permit_without_calls": 1,
      "grpc.http2.min_ping_interval_without_data_ms": 5_000,
      interceptors: settings.grpcObserver ? [observingInterceptor(settings.grpcObserver)] : [],
    });
    server.addService(NodeServiceService, nodeService(router));
    server.addService(JobServiceService, jobService(router));
    server.addService(NetworkServiceService, networkService(router));
    // Without billing (no ledger) there are no accounts and no admin keys: those methods answer
    // UNIMPLEMENTED.
    server.addService(AccountServiceService, router.billing ? accountService(router.billing) : {});
    server.addService(
      AdminServiceService,
      router.billing && router.admin ? adminService(router.billing, router.admin) : {},
    );
    const definition = loadSync(PROTO_FILES, { includeDirs: [PROTO_ROOT] });
    new ReflectionService(definition).addToServer(server);
    const host = settings.host.includes(":") ? `[${settings.host}]` : settings.host;
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${host}:${settings.port}`, ServerCredentials.createInsecure(), (err, bound) =>
        err ? reject(err) : resolve(bound),
      );
    });
    return new GrpcRouterServer(server, port);
  }

  /** Lets calls finish (up to a few seconds), then cuts the rest. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, SHUTDOWN_TIMEOUT_MS);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
