/**
 * Creates the eddydb schema in a database, or upgrades one written by an older eddydb to SCHEMA_VERSION, in one
 * transaction under the migration lock: two servers starting at once create it once, and a failure halfway leaves
 * the database as it was (PostgreSQL's DDL is transactional). Each step moves one version up and spells out its own
 * DDL, as the SQLite engine's migrations do.
 */
import type pg from 'pg';
import { catalogEpochSql, MIGRATION_LOCK, SCHEMA_VERSION, SCHEMA_VERSION_KEY, schemaSql } from './schema.js';

/** Version n's step, at index n - 1, turns a version-n schema into a version-(n + 1) one. */
const STEPS: readonly ((client: pg.Client, schema: string) => Promise<void>)[] = [
  // 1 → 2: the catalog epoch, for several servers on one database.
  async (client, schema) => {
    await client.query(catalogEpochSql(schema));
  },
];

/** Brings `schema` to SCHEMA_VERSION: created when absent, upgraded when older, refused when newer. */
export async function upgradeSchema(client: pg.Client, schema: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...MIGRATION_LOCK]);
    const version = await schemaVersion(client, schema);
    if (version > SCHEMA_VERSION) {
      throw new Error(`the PostgreSQL schema ${schema} was written by a newer eddydb (schema ${version}, this one reads ${SCHEMA_VERSION})`);
    }
    if (version < SCHEMA_VERSION) {
      if (version === 0) await client.query(schemaSql(schema));
      else for (let from = version; from < SCHEMA_VERSION; from++) await STEPS[from - 1]!(client, schema);
      await client.query(
        `INSERT INTO ${schema}.meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        [SCHEMA_VERSION_KEY, String(SCHEMA_VERSION)],
      );
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** The stored schema version; 0 when the schema has no meta table yet. */
async function schemaVersion(client: pg.Client, schema: string): Promise<number> {
  const found = await client.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [`${schema}.meta`]);
  if (!found.rows[0]!.present) return 0;
  const row = await client.query<{ value: string }>(`SELECT value FROM ${schema}.meta WHERE key = $1`, [SCHEMA_VERSION_KEY]);
  const text = row.rows[0]?.value;
  const version = text === undefined ? NaN : Number(text);
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new Error(`the PostgreSQL schema ${schema} has a meta table but no valid ${SCHEMA_VERSION_KEY} (${JSON.stringify(text ?? null)})`);
  }
  return version;
}
