import type { SqlExecutor } from "./sql-client.js";

/** One saved version of the routing configuration. `config` is opaque JSON to the ledger. */
export interface StoredConfigVersion<C> {
  version: number;
  config: C;
  author: string;
  note: string;
  createdAt: number;
}

interface VersionRow {
  version: string | number;
  config: unknown;
  author: string;
  note: string;
  created_at: Date | string;
}

function toVersion<C>(row: VersionRow): StoredConfigVersion<C> {
  return {
    version: Number(row.version),
    config: (typeof row.config === "string" ? JSON.parse(row.config) : row.config) as C,
    author: row.author,
    note: row.note,
    createdAt: new Date(row.created_at).getTime(),
  };
}

/**
 * The routing configuration's versions and the pause switch, kept in the ledger's database so every
 * replica of a cluster reads the same ones.
 */
export class RoutingStore<C> {
  constructor(private readonly db: SqlExecutor) {}

  /** Saves a new version and returns it. */
  async save(config: C, author: string, note: string): Promise<StoredConfigVersion<C>> {
    const { rows } = await this.db.query<VersionRow>(
      `INSERT INTO routing_config_versions (config, author, note) VALUES ($1::jsonb, $2, $3)
       RETURNING version, config, author, note, created_at`,
      [JSON.stringify(config), author, note],
    );
    return toVersion<C>(rows[0] as VersionRow);
  }

  /** The newest version, or undefined when none was ever saved. */
  async current(): Promise<StoredConfigVersion<C> | undefined> {
    const { rows } = await this.db.query<VersionRow>(
      "SELECT version, config, author, note, created_at FROM routing_config_versions ORDER BY version DESC LIMIT 1",
    );
    return rows[0] ? toVersion<C>(rows[0]) : undefined;
  }

  /** One version, or undefined. */
  async get(version: number): Promise<StoredConfigVersion<C> | undefined> {
    const { rows } = await this.db.query<VersionRow>(
      "SELECT version, config, author, note, created_at FROM routing_config_versions WHERE version = $1",
      [version],
    );
    return rows[0] ? toVersion<C>(rows[0]) : undefined;
  }

  /** Versions, newest first. */
  async history(limit: number): Promise<Array<StoredConfigVersion<C>>> {
    const { rows } = await this.db.query<VersionRow>(
      "SELECT version, config, author, note, created_at FROM routing_config_versions ORDER BY version DESC LIMIT $1",
      [limit],
    );
    return rows.map((r) => toVersion<C>(r));
  }

  async setPaused(paused: boolean, reason: string): Promise<void> {
    await this.db.query("UPDATE routing_state SET paused = $1, reason = $2, updated_at = now() WHERE id", [
      paused,
      reason,
    ]);
  }

  async paused(): Promise<{ paused: boolean; reason: string }> {
    const { rows } = await this.db.query<{ paused: boolean; reason: string }>(
      "SELECT paused, reason FROM routing_state WHERE id",
    );
    return rows[0] ?? { paused: false, reason: "" };
  }
}
