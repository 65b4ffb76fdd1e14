/**
 * Validates custom resources against the CRD schemas in the shared catalog, the offline stand-in
 * for the API server's structural-schema validation (strict field validation: unknown fields are
 * errors). Follows CATALOG.md: Ajv 8 without strict mode, the x-kubernetes-* keywords declared,
 * Go durations for `format: duration`, nulls stripped first (the API server prunes them).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { _, type ValidateFunction } from "ajv";
import { cachedValidator, sourceHash } from "./checkCache";
import { compactSchema, SCHEMA_COMPACT_MODULE } from "./schemaCompact";
import { AJV_FORMATS_MODULE, CRD_FORMATS } from "./ajvFormats";
import { readCatalog, sharedDir } from "./shared";

/** One schema violation of a manifest. */
export interface ManifestError {
  /** `<apiVersion>/<kind> <namespace>/<name>` */
  object: string;
  path: string;
  message: string;
}

/** A Kubernetes object as rendered (apiVersion, kind, metadata, ...). */
export type Manifest = Record<string, unknown>;

const compiled = new Map<string, ValidateFunction>();
/** What shapes the generated code besides the schema: this setup, the formats and the rewrite. */
const SETUP = sourceHash(__filename, AJV_FORMATS_MODULE, SCHEMA_COMPACT_MODULE);

/** The Ajv instance for CRD schemas: only needed when a schema is not in the cache yet. */
function newCrdAjv(): Ajv {
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    // Keeps each shared subschema of compactSchema() one generated function.
    inlineRefs: false,
    formats: CRD_FORMATS,
    code: { source: true, formats: _`require(${AJV_FORMATS_MODULE}).CRD_FORMATS` },
  });
  ajv.addVocabulary([
    "x-kubernetes-group-version-kind",
    "x-kubernetes-int-or-string",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-list-type",
    "x-kubernetes-map-type",
    "x-kubernetes-patch-merge-key",
    "x-kubernetes-patch-strategy",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-unions",
    "x-kubernetes-validations",
    "x-kubernetes-embedded-resource",
  ]);
  return ajv;
}

function validatorFor(file: string): ValidateFunction {
  let validate = compiled.get(file);
  if (!validate) {
    const schemaText = fs.readFileSync(path.join(sharedDir(), file), "utf8");
    validate = cachedValidator({
      schemaText,
      setup: SETUP,
      compile: () => {
        const schema = JSON.parse(schemaText) as Record<string, unknown>;
        delete schema.$schema;
        delete schema.$id;
        const ajv = newCrdAjv();
        return { ajv, validate: ajv.compile(compactSchema(schema)) };
      },
    });
    compiled.set(file, validate);
  }
  return validate;
}

/** Removes null values, as the API server prunes them from non-nullable fields. */
export function stripNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripNulls);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => [k, stripNulls(v)]),
    );
  }
  return value;
}

/** The catalog's schema file for an apiVersion/kind, or undefined when it is not a cataloged CRD. */
export function crdSchemaFile(
  apiVersion: string,
  kind: string,
  variant?: string,
): string | undefined {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const crd = readCatalog().crds.find(
    (c) =>
      c.group === group &&
      c.kind === kind &&
      c.versionDetails.some(
        (v) => v.name === version && (variant ? v.file.includes(`/${variant}/`) : true),
      ),
  );
  const detail = crd?.versionDetails.find((v) => v.name === version && v.served);
  return detail?.file;
}

/** Validates one custom resource; returns its errors (empty when valid). */
export function validateCustomResource(manifest: Manifest): ManifestError[] {
  const apiVersion = String(manifest.apiVersion ?? "");
  const kind = String(manifest.kind ?? "");
  const metadata = (manifest.metadata ?? {}) as Record<string, unknown>;
  const object = `${apiVersion}/${kind} ${metadata.namespace ? `${String(metadata.namespace)}/` : ""}${String(metadata.name ?? "?")}`;
  const file = crdSchemaFile(apiVersion, kind);
  if (!file)
    return [
      {
        object,
        path: "",
        message: `no CRD schema in the shared catalog for ${apiVersion} ${kind}`,
      },
    ];
  const validate = validatorFor(file);
  if (validate(stripNulls(manifest))) return [];
  return (validate.errors ?? []).map((e) => ({
    object,
    path: e.instancePath.replace(/^\//, "").replace(/\//g, ".") || "(root)",
    message:
      e.keyword === "additionalProperties"
        ? `unknown field "${String(e.params.additionalProperty)}"`
        : (e.message ?? e.keyword),
  }));
}
