import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../../core/config.js";
import type { Logger } from "../../core/logger.js";
import { Ledger, type LedgerOptions } from "../../ledger/ledger.js";
import { Billing } from "../../router/billing/billing.js";

/** Where the ledger lives: PostgreSQL when DATABASE_URL is set, else PGlite under DATA_DIR. */
export function ledgerLocation(config: Config): { databaseUrl: string } | { pgliteDataDir: string } {
  if (config.databaseUrl) return { databaseUrl: config.databaseUrl };
  return { pgliteDataDir: config.dataDir === "memory://" ? "memory://" : join(config.dataDir, "ledger") };
}

/**
 * Opens (and migrates) the ledger, creating the PGlite data directory when needed. `observe` hears every
 * ledger operation (metrics).
 */
export async function openLedger(
  config: Config,
  logger: Logger,
  observe?: LedgerOptions["observe"],
): Promise<Ledger> {
  const location = ledgerLocation(config);
  if ("pgliteDataDir" in location && location.pgliteDataDir !== "memory://") {
    mkdirSync(location.pgliteDataDir, { recursive: true });
  }
  return Ledger.open({ ...location, logger, observe });
}

/** Opens (and migrates) the ledger and builds the router's billing on it, with the reaper running. */
export async function openBilling(
  config: Config,
  logger: Logger,
  observe?: LedgerOptions["observe"],
): Promise<Billing> {
  const ledger = await openLedger(config, logger, observe);
  ledger.startReaper();
  return new Billing({
    ledger,
    prices: config.prices,
    defaultPrice: config.defaultPrice,
    holdGraceMs: config.holdGraceMs,
    logger,
  });
}

/** Describes the ledger back-end for start-up lines, without credentials. */
export function ledgerDescription(config: Config): string {
  if (config.databaseUrl) {
    const url = new URL(config.databaseUrl);
    return `PostgreSQL ${url.host}${url.pathname}`;
  }
  return config.dataDir === "memory://" ? "PGlite in memory" : `PGlite in ${join(config.dataDir, "ledger")}`;
}
