// The dev tenant's webhook secret (npm start): made once, stored encrypted with the dev master key,
// written to the credentials file when made and kept there; a plaintext one from before is sealed.
// D1 is wrangler's local one (getPlatformProxy, as npm start reaches it; the real migrations
// applied) in a temporary state directory; the credentials file a temporary one.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { getPlatformProxy } from "wrangler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_TENANT, seedDevTenant } from "../../scripts/lib/dev-tenant";
import { generateMasterKey, importMasterKey } from "../../shared/providers/keys/crypto";
import { openWebhookSecret } from "../../shared/webhooks/sealed-secret";
import { generateWebhookSecret } from "../../shared/webhooks/secret";

const MIGRATIONS = resolve(import.meta.dirname, "../../migrations");
const MASTER = generateMasterKey();
let proxy: Awaited<ReturnType<typeof getPlatformProxy<{ DB: D1Database }>>>;
let dir: string;
let migrated = false;

/** Clears the dev tenant's project, as a state from before any seed. */
async function freshDb(): Promise<D1Database> {
  const db = proxy.env.DB;
  if (migrated) {
    await db
      .prepare("UPDATE projects SET webhook_secret = NULL WHERE id = ?")
      .bind(DEV_TENANT.projectId)
      .run();
    return db;
  }
  migrated = true;
  for (const file of (await readdir(MIGRATIONS)).filter((f) => f.endsWith(".sql")).sort()) {
    const text = await readFile(join(MIGRATIONS, file), "utf8");
    for (const statement of text.split("--> statement-breakpoint").map((s) => s.trim()))
      if (statement) await db.prepare(statement).run();
  }
  return db;
}
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dev-tenant-"));
  proxy = await getPlatformProxy<{ DB: D1Database }>({
    configPath: resolve(import.meta.dirname, "../../wrangler.producer.toml"),
    persist: { path: join(dir, "state") },
  });
});
afterAll(async () => {
  await proxy?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const storedSecret = async (db: D1Database) =>
  (
    await db
      .prepare("SELECT webhook_secret AS s FROM projects WHERE id = ?")
      .bind(DEV_TENANT.projectId)
      .first<{ s: string | null }>()
  )?.s;

describe("seedDevTenant's webhook secret", () => {
  it("writes the secret it made to the credentials file once, and keeps it encrypted in D1", async () => {
    const db = await freshDb();
    const path = join(dir, "a.json");
    const first = await seedDevTenant(db, path, "http://localhost:1", MASTER);
    expect(first.webhook_secret).toMatch(/^whsec_/);
    const stored = await storedSecret(db);
    expect(stored).toMatch(/^enc:v1:/);
    expect(await openWebhookSecret(await importMasterKey(MASTER), DEV_TENANT.projectId, stored!)).toBe(
      first.webhook_secret,
    );
    expect(JSON.parse(await readFile(path, "utf8")).webhook_secret).toBe(first.webhook_secret);

    const second = await seedDevTenant(db, path, "http://localhost:1", MASTER);
    expect(second.webhook_secret).toBe(first.webhook_secret);
    expect(await storedSecret(db)).toBe(stored);
  });

  it("encrypts a plaintext secret from before and still writes it", async () => {
    const db = await freshDb();
    const path = join(dir, "b.json");
    await seedDevTenant(db, path, "http://localhost:1", MASTER);
    const plaintext = generateWebhookSecret();
    await db
      .prepare("UPDATE projects SET webhook_secret = ? WHERE id = ?")
      .bind(plaintext, DEV_TENANT.projectId)
      .run();

    const again = await seedDevTenant(db, path, "http://localhost:1", MASTER);

    expect(again.webhook_secret).toBe(plaintext);
    const stored = await storedSecret(db);
    expect(stored).toMatch(/^enc:v1:/);
    expect(await openWebhookSecret(await importMasterKey(MASTER), DEV_TENANT.projectId, stored!)).toBe(
      plaintext,
    );
  });
});
