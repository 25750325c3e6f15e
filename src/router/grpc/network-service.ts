import type { ServerUnaryCall, sendUnaryData } from "@grpc/grpc-js";
import type {
  GetStatusRequest,
  GetStatusResponse,
  ListModelsRequest,
  ListModelsResponse,
  ListNodesRequest,
  ListNodesResponse,
  NetworkServiceServer,
} from "../../gen/switchyard/v1/network.js";
import { listModels, listNodes, networkStatus } from "../network/views.js";
import type { Router } from "../router.js";

/**
 * NetworkService: read-only views of the node directory and of what this replica has seen (jobs over
 * 24 hours, task outcomes per node). Status is computed at most once a second.
 */
export function networkService(router: Router): NetworkServiceServer {
  const directory = router.directory;
  let cached: { at: number; value: GetStatusResponse } | undefined;
  const priceOf = (capability: string): number => router.billing?.price(capability) ?? 0;
  return {
    getStatus(
      _call: ServerUnaryCall<GetStatusRequest, GetStatusResponse>,
      cb: sendUnaryData<GetStatusResponse>,
    ) {
      const now = Date.now();
      if (!cached || now - cached.at >= 1_000) {
        cached = { at: now, value: networkStatus(directory.list(), router.stats.window(), priceOf) };
      }
      cb(null, cached.value);
    },
    listNodes(
      call: ServerUnaryCall<ListNodesRequest, ListNodesResponse>,
      cb: sendUnaryData<ListNodesResponse>,
    ) {
      cb(null, { nodes: listNodes(directory.list(), call.request, (id) => router.stats.node(id)) });
    },
    listModels(
      _call: ServerUnaryCall<ListModelsRequest, ListModelsResponse>,
      cb: sendUnaryData<ListModelsResponse>,
    ) {
      cb(null, { models: listModels(directory.list()) });
    },
  };
}
