import { defineConfig } from "drizzle-kit";

// drizzle-kit writes SQL to migrations/; wrangler, the tests and deploys all apply that folder.
export default defineConfig({
  dialect: "sqlite",
  schema: "./shared/db/schema.ts",
  out: "./migrations",
});
