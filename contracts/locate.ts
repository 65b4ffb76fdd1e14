/**
 * Where the contract files are at run time. In the repository this module sits in contracts/
 * itself; in a service image the code is bundled elsewhere and the files are copied beside it,
 * so the directory comes from ACME_CONTRACTS_DIR when set, else from the nearest ancestor that
 * holds the contracts.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The environment variable that names the contracts directory explicitly. */
export const CONTRACTS_DIR_ENV = "ACME_CONTRACTS_DIR";

const MARKER = path.join("messages", "envelope.schema.json");

function locate(): string {
  const explicit = process.env[CONTRACTS_DIR_ENV];
  if (explicit) {
    if (!fs.existsSync(path.join(explicit, MARKER))) {
      throw new Error(
        `${CONTRACTS_DIR_ENV}=${explicit} holds no ${MARKER}: point it at the contracts/ directory`,
      );
    }
    return path.resolve(explicit);
  }
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    for (const candidate of [dir, path.join(dir, "contracts")]) {
      if (fs.existsSync(path.join(candidate, MARKER))) return candidate;
    }
    if (path.dirname(dir) === dir) {
      throw new Error(
        `no contracts/ directory above ${__dirname}: set ${CONTRACTS_DIR_ENV} to the directory holding ${MARKER}`,
      );
    }
  }
}

/** The contracts directory (resolved once). */
export const CONTRACTS_DIR = locate();
