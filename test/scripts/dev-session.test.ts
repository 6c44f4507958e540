import { describe, expect, it } from "vitest";
import { banner, migrationSummary } from "../../scripts/lib/dev-session";

describe("npm start's banner and migration line", () => {
  it("names the address, docs, console, keys, how to stop, reset and see more, in a few lines", () => {
    const text = banner({
      apiUrl: "http://localhost:8787",
      credentialsPath: ".local/dev-credentials.json",
      apiKey: "gq_user",
      adminKey: "gq_admin",
      cron: "*/5 * * * *",
    });
    for (const part of [
      "http://localhost:8787/docs",
      "http://localhost:8787/console/",
      ".local/dev-credentials.json",
      "gq_user",
      "gq_admin",
      "Ctrl-C",
      "npm run reset",
      "npm start -- --verbose",
      "*/5 * * * *",
      "curl http://localhost:8787/cdn-cgi/local/scheduled",
    ])
      expect(text).toContain(part);
    expect(text.trim().split("\n").length).toBeLessThanOrEqual(10);
  });

  it("sums up wrangler's migration output in one line", () => {
    const applying =
      "Migrations to be applied:\n...\n? About to apply 8 migration(s)\n🚣 15 commands executed successfully.";
    expect(migrationSummary(applying)).toBe("migrations: 8 applied");
    expect(migrationSummary("✅ No migrations to apply!")).toBe("migrations: up to date");
  });
});
