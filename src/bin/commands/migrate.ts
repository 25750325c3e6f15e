import type { Config } from "../../core/config.js";
import type { Logger } from "../../core/logger.js";
import { parseFlags } from "../args.js";
import { ledgerDescription, openLedger } from "./billing.js";

export const MIGRATE_USAGE = `switchyard migrate

  Applies the ledger's pending SQL migrations (DATABASE_URL, or PGlite in DATA_DIR) and exits.
  Routers also apply them at start.`;

export async function runMigrate(argv: string[], config: Config, logger: Logger): Promise<void> {
  parseFlags(argv, {});
  const ledger = await openLedger(config, logger);
  await ledger.close();
  console.log(`switchyard: ledger migrated (${ledgerDescription(config)})`);
}
