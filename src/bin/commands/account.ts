import type { Config } from "../../core/config.js";
import type { Logger } from "../../core/logger.js";
import { parseFlags, UsageError } from "../args.js";
import { ledgerDescription, openLedger } from "./billing.js";

export const ACCOUNT_USAGE = `switchyard account create [--name NAME] [--admin]

  Creates an account directly in the ledger (DATABASE_URL, or PGlite in DATA_DIR) and prints its
  first API key, shown this once. --admin gives the key the admin role (for /admin/v1 and
  AdminService). Clients normally create accounts with POST /api/v1/accounts instead. With PGlite,
  run it while no router uses the same DATA_DIR.`;

export async function runAccount(argv: string[], config: Config, logger: Logger): Promise<void> {
  const [action, ...rest] = argv;
  if (action !== "create") throw new UsageError('the account command takes "create"');
  const flags = parseFlags(rest, { name: { type: "string" }, admin: { type: "boolean" } });
  const ledger = await openLedger(config, logger);
  try {
    const created = await ledger.createAccount({
      name: flags.name ?? (flags.admin ? "admin" : "account"),
      role: flags.admin ? "admin" : "user",
    });
    console.log(
      `account ${created.accountId} (${flags.admin ? "admin" : "user"}) in ${ledgerDescription(config)}`,
    );
    console.log(`api key (shown once): ${created.apiKey}`);
  } finally {
    await ledger.close();
  }
}
