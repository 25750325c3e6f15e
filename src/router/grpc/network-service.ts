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
import type { NodeDirectory } from "../directory/directory.js";
import { listModels, listNodes, networkStatus } from "../network/views.js";

/** NetworkService: read-only views of the node directory. */
export function networkService(directory: NodeDirectory): NetworkServiceServer {
  return {
    getStatus(
      _call: ServerUnaryCall<GetStatusRequest, GetStatusResponse>,
      cb: sendUnaryData<GetStatusResponse>,
    ) {
      cb(null, networkStatus(directory.list()));
    },
    listNodes(
      call: ServerUnaryCall<ListNodesRequest, ListNodesResponse>,
      cb: sendUnaryData<ListNodesResponse>,
    ) {
      cb(null, { nodes: listNodes(directory.list(), call.request) });
    },
    listModels(
      _call: ServerUnaryCall<ListModelsRequest, ListModelsResponse>,
      cb: sendUnaryData<ListModelsResponse>,
    ) {
      cb(null, { models: listModels(directory.list()) });
    },
  };
}
