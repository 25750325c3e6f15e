import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { credentials, loadPackageDefinition } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { afterEach, describe, expect, it } from "vitest";
import { TestStack } from "../helpers/stack.js";

const require = createRequire(import.meta.url);
const reflectionProto = join(
  dirname(require.resolve("@grpc/reflection/package.json")),
  "build/proto/grpc/reflection/v1/reflection.proto",
);

interface ReflectionStream {
  write(m: unknown): void;
  end(): void;
  on(event: "data", f: (m: { listServicesResponse?: { service: Array<{ name: string }> } }) => void): void;
  on(event: "error" | "end", f: (e?: unknown) => void): void;
}

describe("server reflection", () => {
  const stack = new TestStack();
  afterEach(() => stack.close());

  it("lists the five Switchyard services", async () => {
    const router = await stack.router();
    const pkg = loadPackageDefinition(loadSync(reflectionProto)) as unknown as {
      grpc: {
        reflection: {
          v1: {
            ServerReflection: new (
              a: string,
              c: unknown,
            ) => { ServerReflectionInfo(): ReflectionStream; close(): void };
          };
        };
      };
    };
    const client = new pkg.grpc.reflection.v1.ServerReflection(router.address, credentials.createInsecure());
    stack.defer(() => client.close());
    const names = await new Promise<string[]>((resolve, reject) => {
      const call = client.ServerReflectionInfo();
      call.on("data", (m) => {
        resolve((m.listServicesResponse?.service ?? []).map((s) => s.name));
        call.end();
      });
      call.on("error", reject);
      call.write({ listServices: "" });
    });
    expect(names).toEqual(
      expect.arrayContaining([
        "switchyard.v1.NodeService",
        "switchyard.v1.JobService",
        "switchyard.v1.AccountService",
        "switchyard.v1.NetworkService",
        "switchyard.v1.AdminService",
      ]),
    );
  });
});
