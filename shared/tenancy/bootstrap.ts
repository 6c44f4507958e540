// The first super admin of a fresh deployment, without an HTTP endpoint: `npm run admin --
// bootstrap` runs these statements through `wrangler d1 execute`, which only someone holding the
// Cloudflare account's credentials can do (so the mechanism is safe on a public deployment).
// This module only builds the SQL (plain text: `wrangler d1 execute --command` takes no
// parameters, so every value is an escaped literal) and the new key; it runs nothing.
//
// Every insert is guarded by "no super_admin exists yet", so even two bootstraps racing leave one
// super admin: the second one's statements insert nothing (the CLI checks its key row afterwards).
import { displayPrefix, generateApiKey, sha256Hex } from "../auth/keys";
import { newId } from "../ids";
import { apiKeyView } from "./api-keys";
import { organizationView } from "./organizations";

export interface BootstrapInput {
  email: string;
  name: string;
  /** The super admin's organization (default "Operators"). */
  organizationName?: string;
  now: number;
}

export interface BootstrapPlan {
  /** Run in this order, e.g. joined with ";\n" into one `--command` or a `--file`. */
  statements: string[];
  /** The new key: shown once, only its hash is in the statements. */
  key: string;
  organizationId: string;
  userId: string;
  keyId: string;
  /** The id the audit records of the bootstrap carry as their request id. */
  requestId: string;
}

/** Why a bootstrap input was refused (the CLI prints it and exits non-zero). */
export class BootstrapInputError extends Error {
  override readonly name = "BootstrapInputError";
}

/** Reads, in one row, whether a super admin exists and whether the email is taken. */
export function bootstrapCheckSql(email: string): string {
  return (
    "SELECT (SELECT count(*) FROM users WHERE role = 'super_admin') AS super_admins, " +
    `(SELECT count(*) FROM users WHERE lower(email) = ${sqlLiteral(normalizeEmail(email))}) AS email_taken`
  );
}

/** Reads back the new key's row: present iff this bootstrap's inserts applied. */
export function bootstrapVerifySql(keyId: string): string {
  return `SELECT count(*) AS created FROM api_keys WHERE id = ${sqlLiteral(keyId)} AND role = 'super_admin'`;
}

/** A SQL literal: numbers as they are, strings quoted with embedded quotes doubled, null as NULL. */
export function sqlLiteral(value: string | number | null): string {
  if (value === null) return "NULL";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  if (value.includes("\u0000")) throw new BootstrapInputError("text may not contain NUL characters");
  return `'${value.replaceAll("'", "''")}'`;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Emails are stored and compared in lower case (as the users API does). */
const normalizeEmail = (email: string) => email.trim().toLowerCase();

function checkInput(input: BootstrapInput): { email: string; name: string; organizationName: string } {
  const email = normalizeEmail(input.email);
  const name = input.name.trim();
  const organizationName = (input.organizationName ?? "Operators").trim();
  if (!EMAIL.test(email) || email.length > 254) throw new BootstrapInputError(`not an email: ${input.email}`);
  if (name.length < 1 || name.length > 200)
    throw new BootstrapInputError("--name must be 1 to 200 characters");
  if (organizationName.length < 1 || organizationName.length > 200)
    throw new BootstrapInputError("--organization must be 1 to 200 characters");
  return { email, name, organizationName };
}

const NO_SUPER_ADMIN = "NOT EXISTS (SELECT 1 FROM users WHERE role = 'super_admin')";

/** `INSERT INTO table (columns) SELECT values WHERE condition`, every value a literal. */
function insertWhere(table: string, row: Record<string, string | number | null>, condition: string): string {
  const columns = Object.keys(row).join(", ");
  const values = Object.values(row).map(sqlLiteral).join(", ");
  return `INSERT INTO ${table} (${columns}) SELECT ${values} WHERE ${condition}`;
}

/**
 * The statements that create an organization, a super_admin user in it and an organization-wide
 * super_admin key of that user, each with its audit record (no actor: the bootstrap has none).
 */
export async function bootstrapPlan(input: BootstrapInput): Promise<BootstrapPlan> {
  const { email, name, organizationName } = checkInput(input);
  const now = input.now;
  const organizationId = newId("org");
  const userId = newId("usr");
  const keyId = newId("key");
  const requestId = newId("req");
  const key = generateApiKey();
  const keyName = "bootstrap super admin key";
  const keyHash = await sha256Hex(key);
  const prefix = displayPrefix(key);

  const organization = organizationView({
    id: organizationId,
    name: organizationName,
    disabledAt: null,
    createdAt: now,
  });
  // The user as the API shows it (AuditRecord.after is the API representation).
  const user = {
    id: userId,
    object: "user",
    organization_id: organizationId,
    email,
    name,
    role: "super_admin",
    status: "active",
    created_at: organization.created_at,
  };
  const apiKey = apiKeyView(
    {
      id: keyId,
      organizationId,
      instanceId: null,
      projectId: null,
      userId,
      role: "super_admin",
      name: keyName,
      keyHash,
      prefix,
      previousKeyHash: null,
      previousExpiresAt: null,
      expiresAt: null,
      createdAt: now,
      revokedAt: null,
      lastUsedAt: null,
    },
    now,
  );

  const audit = (
    action: string,
    resourceType: string,
    resourceId: string,
    after: object,
    condition: string,
  ) =>
    insertWhere(
      "audit_log",
      {
        id: newId("aud"),
        organization_id: organizationId,
        actor_key_id: null,
        actor_user_id: null,
        action,
        resource_type: resourceType,
        resource_id: resourceId,
        before: null,
        after: JSON.stringify(after),
        request_id: requestId,
        created_at: now,
      },
      condition,
    );
  const ours = (table: string, id: string) => `EXISTS (SELECT 1 FROM ${table} WHERE id = ${sqlLiteral(id)})`;
  // The user insert is what makes NO_SUPER_ADMIN false, so what follows it checks for our own rows.
  const statements = [
    insertWhere(
      "organizations",
      { id: organizationId, name: organizationName, created_at: now },
      NO_SUPER_ADMIN,
    ),
    audit(
      "organization.create",
      "organization",
      organizationId,
      organization,
      ours("organizations", organizationId),
    ),
    insertWhere(
      "users",
      { id: userId, organization_id: organizationId, email, name, role: "super_admin", created_at: now },
      `${NO_SUPER_ADMIN} AND ${ours("organizations", organizationId)}`,
    ),
    audit("user.create", "user", userId, user, ours("users", userId)),
    insertWhere(
      "api_keys",
      {
        id: keyId,
        organization_id: organizationId,
        instance_id: null,
        project_id: null,
        user_id: userId,
        role: "super_admin",
        name: keyName,
        key_hash: keyHash,
        prefix,
        created_at: now,
      },
      ours("users", userId),
    ),
    audit("api_key.create", "api_key", keyId, apiKey, ours("api_keys", keyId)),
  ];
  return { statements, key, organizationId, userId, keyId, requestId };
}
