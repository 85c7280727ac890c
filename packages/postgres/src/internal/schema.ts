// The schema of the PostgreSQL store, and the migration that creates it. The migration runs in one transaction under
// a transaction-scoped advisory lock of its own, so N replicas starting at once create it once and the rest wait,
// then find it there (CREATE … IF NOT EXISTS alone races on the catalog when two run concurrently).

/**
 * The schema version this codex-auth writes and reads. 2 added `codex_auth_pool_health.needs_login_version` (the
 * credentials version an account was found needing a new login at, shared by the fleet's pools).
 */
export const schemaVersion = 2
/** The format of a row's `document` this codex-auth reads (a newer one is refused, never rewritten). */
export const documentFormat = 1

export const credentialsTable = "codex_auth_credentials"
export const healthTable = "codex_auth_pool_health"
export const schemaTable = "codex_auth_schema"
export const leaseTable = "codex_auth_leases"
/** The LISTEN/NOTIFY channel a save announces a new version on (the payload is the account name). */
export const channel = "codex_auth_credentials"

/** 64-bit FNV-1a of a text, as a signed bigint literal for pg_advisory_lock (computed here, so no SQL is built from input). */
export const lockKey = (text: string): string => {
  let hash = 0xcbf29ce484222325n
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte)
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn
  }
  return BigInt.asIntN(64, hash).toString()
}

export const migrationLockKey: string = lockKey("codex-auth/migration")

export const migrationStatements: ReadonlyArray<string> = [
  `CREATE TABLE IF NOT EXISTS ${schemaTable} (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version integer NOT NULL
)`,
  `CREATE TABLE IF NOT EXISTS ${credentialsTable} (
  account text PRIMARY KEY,
  document text NOT NULL,
  format integer NOT NULL DEFAULT ${documentFormat},
  version bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
)`,
  `CREATE TABLE IF NOT EXISTS ${leaseTable} (
  account text PRIMARY KEY,
  holder text NOT NULL,
  heartbeat_at timestamptz NOT NULL DEFAULT now()
)`,
  `CREATE TABLE IF NOT EXISTS ${healthTable} (
  pool text NOT NULL,
  account text NOT NULL,
  state text NOT NULL,
  until_ms bigint,
  reason text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pool, account)
)`,
  // Schema 2: set, the account needs a new login as of this version of its credentials row (a newer row clears it).
  `ALTER TABLE ${healthTable} ADD COLUMN IF NOT EXISTS needs_login_version bigint`,
  `INSERT INTO ${schemaTable} (version) VALUES (${schemaVersion})
ON CONFLICT (singleton) DO UPDATE SET version = GREATEST(${schemaTable}.version, EXCLUDED.version)`
]

/** The migration as one script (what `codex-auth store migrate --print` shows a DBA). */
export const migrationScript: string = [
  "BEGIN",
  `SELECT pg_advisory_xact_lock(${migrationLockKey})`,
  ...migrationStatements,
  "COMMIT"
].join(";\n") + ";\n"
