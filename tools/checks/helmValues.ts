/**
 * Checks Helm values against the pinned chart's own `values.yaml` (and its vendored subcharts'),
 * the offline stand-in for `helm template`: a key the chart does not have is a typo or a value for
 * another version, and Helm would silently ignore it.
 *
 * Rules: a key must exist in the chart's defaults at the same path; under a default that is an
 * empty map (`podAnnotations: {}`, `nodeSelector: {}`) any key is allowed, since the chart
 * documents it as free-form; lists and scalars are not descended into; a top-level key named after
 * a vendored subchart is checked against that subchart; `global` is shared by all; paths listed in
 * `freeForm` (keys a chart reads but does not default) are accepted with everything below them.
 * Charts that ship `values.schema.json` are additionally validated against it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { _ } from "ajv";
import Ajv2019 from "ajv/dist/2019";
import { cachedValidator, cachedYaml, sourceHash } from "./checkCache";
import { AJV_FORMATS_MODULE, VALUES_FORMATS } from "./ajvFormats";
import { readCatalog, sharedDir, type CatalogChart } from "./shared";

/** What shapes the generated code besides the schema: this setup and the formats. */
const SETUP = sourceHash(__filename, AJV_FORMATS_MODULE);

/** One value key the chart does not have, or a schema violation. */
export interface HelmValueError {
  chart: string;
  path: string;
  message: string;
}

type Values = Record<string, unknown>;

const isMap = (v: unknown): v is Values => typeof v === "object" && v !== null && !Array.isArray(v);

function chartEntry(chart: string, version: string): CatalogChart {
  const found = readCatalog().charts.find((c) => c.name === chart && c.version === version);
  if (!found) {
    const known = readCatalog()
      .charts.filter((c) => c.name === chart)
      .map((c) => c.version);
    throw new Error(
      `chart ${chart}@${version} is not in the shared catalog` +
        (known.length ? ` (pinned there: ${known.join(", ")})` : ""),
    );
  }
  return found;
}

function readValues(relative: string): Values {
  const doc = cachedYaml(path.join(sharedDir(), relative));
  return isMap(doc) ? doc : {};
}

/** The chart's defaults plus each vendored subchart's, keyed by the name values use for it. */
function defaultsOf(entry: CatalogChart): { root: Values; subcharts: Map<string, Values> } {
  const rootFile = entry.files.find(
    (f) => f === `charts/${entry.name}/${entry.version}/values.yaml`,
  );
  if (!rootFile)
    throw new Error(`chart ${entry.name}@${entry.version} has no values.yaml in the catalog`);
  const subcharts = new Map<string, Values>();
  for (const dep of entry.dependencies as Array<
    CatalogChart["dependencies"][number] & { vendoredPath?: string }
  >) {
    if (!dep.vendoredPath) continue;
    const file = `${dep.vendoredPath}/values.yaml`;
    if (fs.existsSync(path.join(sharedDir(), file)))
      subcharts.set(dep.alias ?? dep.name, readValues(file));
  }
  return { root: readValues(rootFile), subcharts };
}

function walk(
  chart: string,
  given: Values,
  defaults: Values,
  at: string,
  freeForm: ReadonlySet<string>,
  errors: HelmValueError[],
): void {
  for (const [key, value] of Object.entries(given)) {
    const here = at ? `${at}.${key}` : key;
    if (freeForm.has(here)) continue;
    if (!(key in defaults)) {
      const near = Object.keys(defaults).filter((k) =>
        k.toLowerCase().startsWith(key.slice(0, 4).toLowerCase()),
      );
      errors.push({
        chart,
        path: here,
        message:
          `the chart has no value "${here}"` +
          (near.length
            ? `; did you mean ${near
                .slice(0, 3)
                .map((k) => (at ? `${at}.${k}` : k))
                .join(", ")}?`
            : ""),
      });
      continue;
    }
    const def = defaults[key];
    if (isMap(def) && Object.keys(def).length > 0 && isMap(value)) {
      walk(chart, value, def, here, freeForm, errors);
    }
  }
}

const schemaValidators = new Map<string, (v: unknown) => HelmValueError[]>();

function schemaCheck(entry: CatalogChart): ((v: unknown) => HelmValueError[]) | undefined {
  const file = entry.files.find((f) => f.endsWith("/values.schema.json"));
  if (!file) return undefined;
  let check = schemaValidators.get(file);
  if (!check) {
    const schemaText = fs.readFileSync(path.join(sharedDir(), file), "utf8");
    const schema = JSON.parse(schemaText) as Values;
    const draft2019 = String(schema.$schema ?? "").includes("2019-09");
    const validate = cachedValidator({
      schemaText,
      setup: `${SETUP}\0${draft2019 ? "2019-09" : "07"}`,
      compile: () => {
        const options = {
          strict: false,
          allErrors: true,
          formats: VALUES_FORMATS,
          code: { source: true, formats: _`require(${AJV_FORMATS_MODULE}).VALUES_FORMATS` },
        };
        const ajv = draft2019 ? new Ajv2019(options) : new Ajv(options);
        return { ajv, validate: ajv.compile(schema) };
      },
    });
    check = (values) =>
      validate(values)
        ? []
        : (validate.errors ?? []).map((e) => ({
            chart: entry.name,
            path: e.instancePath.replace(/^\//, "").replace(/\//g, ".") || "(root)",
            message: `values.schema.json: ${e.message ?? e.keyword}`,
          }));
    schemaValidators.set(file, check);
  }
  return check;
}

/** Checks `values` for `chart@version`; returns every problem (empty when the values fit). */
export function checkHelmValues(
  chart: string,
  version: string,
  values: Values,
  freeForm: readonly string[] = [],
): HelmValueError[] {
  const entry = chartEntry(chart, version);
  const { root, subcharts } = defaultsOf(entry);
  const allowed = new Set(freeForm);
  const errors: HelmValueError[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (allowed.has(key)) continue;
    const sub = subcharts.get(key);
    if (sub && isMap(value)) {
      const { enabled: _enabled, ...rest } = value;
      walk(chart, rest, { ...sub, global: {} }, key, allowed, errors);
    } else if (key === "global" && isMap(value)) {
      const globals = [root.global, ...[...subcharts.values()].map((s) => s.global)].filter(isMap);
      walk(chart, value, Object.assign({}, ...globals) as Values, key, allowed, errors);
    } else {
      walk(chart, { [key]: value }, root, "", allowed, errors);
    }
  }
  errors.push(...(schemaCheck(entry)?.(values) ?? []));
  return errors;
}
