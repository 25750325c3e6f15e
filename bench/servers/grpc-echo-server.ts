/**
 * The gRPC baseline: a raw @grpc/grpc-js server with one unary method, `/bench.Echo/Echo`, that answers
 * every request with its own bytes, unparsed. What Switchyard's JobService.Submit costs above this is
 * its own work: authentication, billing, routing, the worker's round trip.
 *
 * Run as a child of bench/run.ts: `node bin/run-ts.js bench/servers/grpc-echo-server.ts`. Prints
 * `listening <host:port>` when ready.
 */
import { Server, ServerCredentials, type ServiceDefinition } from "@grpc/grpc-js";
import { ECHO_METHOD } from "../chat.js";
import { announce, closeWhenParentGoes } from "../child-lifecycle.js";

const identity = (b: Buffer): Buffer => b;

const service: ServiceDefinition = {
  echo: {
    path: ECHO_METHOD,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

const server = new Server();
server.addService(service, {
  echo: (call: { request: Buffer }, callback: (err: null, value: Buffer) => void) =>
    callback(null, call.request),
});
const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) =>
    err ? reject(err) : resolve(p),
  ),
);
closeWhenParentGoes(
  () =>
    new Promise<void>((resolve) => {
      server.tryShutdown(() => resolve());
      setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 2_000).unref();
    }),
);
announce(`127.0.0.1:${port}`);
