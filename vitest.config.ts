import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { vendorAssets } from "./scripts/vendor-assets.ts";

// One vitest project per runtime: pure modules and Node fakes run in Node; each Worker's tests
// run inside workerd with that Worker's own wrangler config; e2e drives the real `wrangler dev`.
export default defineConfig(async () => {
  // The producer's static assets include files copied from node_modules (the /docs page's Swagger
  // UI); wrangler's [build] makes them for dev and deploys, this for the Workers tests.
  vendorAssets();
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  const workerProject = (
    name: string,
    configPath: string,
    extra: {
      main?: string;
      durableObjects?: Record<string, { className: string; useSQLite: boolean }>;
      serviceBindings?: Record<string, { name: string; entrypoint: string }>;
      globalSetup?: string[];
    } = {},
  ) => ({
    plugins: [
      cloudflareTest({
        wrangler: { configPath },
        ...(extra.main ? { main: extra.main } : {}),
        miniflare: {
          bindings: { TEST_MIGRATIONS: migrations, ENVIRONMENT: "test" },
          ...(extra.durableObjects ? { durableObjects: extra.durableObjects } : {}),
          ...(extra.serviceBindings ? { serviceBindings: extra.serviceBindings } : {}),
        },
      }),
    ],
    test: {
      name,
      include: [`test/${name}/**/*.test.ts`],
      setupFiles: ["./test/support/apply-migrations.ts"],
      ...(extra.globalSetup ? { globalSetup: extra.globalSetup } : {}),
    },
  });
  return {
    test: {
      projects: [
        {
          test: {
            name: "unit",
            environment: "node",
            include: ["test/shared/**/*.test.ts", "test/fakes/**/*.test.ts", "test/scripts/**/*.test.ts"],
          },
        },
        // The producer's TOKEN_BUCKET and HOUSEKEEPING name the consumer Worker's class and
        // entrypoint; here both are copies in the producer's own test Worker (test/producer-worker.ts),
        // reached by its configured name (the plugin points self-bindings at the Worker under test).
        workerProject("producer", "./wrangler.producer.toml", {
          main: "./test/producer-worker.ts",
          durableObjects: {
            TOKEN_BUCKET: { className: "TokenBucket", useSQLite: true },
            BUDGET: { className: "Budget", useSQLite: true },
            JOB_WATCH: { className: "JobWatch", useSQLite: true },
            WORKFLOW_STATE: { className: "WorkflowState", useSQLite: true },
          },
          serviceBindings: { HOUSEKEEPING: { name: "genqueue-producer", entrypoint: "Housekeeping" } },
        }),
        // Provider fakes and an AI Gateway stand-in on 127.0.0.1 (test/consumers/ai-gateway.test.ts).
        workerProject("consumers", "./wrangler.consumer.toml", {
          globalSetup: ["./test/consumers/ai-gateway.global-setup.ts"],
        }),
        {
          test: {
            name: "e2e",
            environment: "node",
            include: ["test/e2e/**/*.test.ts"],
            testTimeout: 120_000,
            hookTimeout: 120_000,
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
