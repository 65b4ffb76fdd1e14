/**
 * The shared catalog beside the checkout (chart values, CRD schemas, security controls). Code that
 * reads it takes the folder from `SHARED_DIR`, defaulting to `../shared` next to the repository.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const REPO_ROOT = path.resolve(__dirname, "../..");

/** The shared folder: `$SHARED_DIR`, else `<repo>/../shared`. */
export function sharedDir(): string {
  return path.resolve(process.env.SHARED_DIR ?? path.join(REPO_ROOT, "..", "shared"));
}

/** True when the shared catalog is present. */
export function hasShared(): boolean {
  return fs.existsSync(path.join(sharedDir(), "catalog.json"));
}

/** One chart of catalog.json. */
export interface CatalogChart {
  name: string;
  version: string;
  appVersion: string | null;
  helmRepoUrl: string;
  dependencies: Array<{ name: string; alias?: string; version?: string; condition?: string }>;
  files: string[];
}

/** One CRD of catalog.json. */
export interface CatalogCrd {
  group: string;
  kind: string;
  versionDetails: Array<{ name: string; served: boolean; file: string; permissive: boolean }>;
}

/** The shared copy of a chart's `values.yaml` at its version (`charts/<name>/<version>/`). */
export function chartValuesPath(chart: { name: string; version: string }): string {
  return path.join(sharedDir(), "charts", chart.name, chart.version, "values.yaml");
}

interface Catalog {
  charts: CatalogChart[];
  crds: CatalogCrd[];
}

let catalog: Catalog | undefined;

/** The parsed catalog.json; throws naming the folder when it is missing. */
export function readCatalog(): Catalog {
  if (!catalog) {
    const file = path.join(sharedDir(), "catalog.json");
    if (!fs.existsSync(file)) {
      throw new Error(
        `the shared catalog is missing: ${file} (set SHARED_DIR to the shared folder)`,
      );
    }
    catalog = JSON.parse(fs.readFileSync(file, "utf8")) as Catalog;
  }
  return catalog;
}
