/**
 * Validates any Kubernetes object the stack renders: custom resources against the CRD schemas of
 * the shared catalog, built-in kinds against the OpenAPI schemas that `kubernetes-models` ships.
 */
import {
  crdSchemaFile,
  stripNulls,
  validateCustomResource,
  type Manifest,
  type ManifestError,
} from "./crdSchemas";
import { registerHooks } from "node:module";
import { hasShared } from "./shared";

export type { Manifest, ManifestError };

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: unknown) => Validatable;

// kubernetes-models 5 and its @kubernetes-models/* packages are ESM-only: their exports answer only
// the "import" condition. Node 24 can require() ESM synchronously, but the resolution of
// `require("kubernetes-models/v1/Pod")` (and, under tsx, of the imports inside it) uses the
// "require" condition and fails. This hook adds "import" for those packages alone, so the
// validators below stay synchronous.
const KUBERNETES_MODELS = /^(kubernetes-models|@kubernetes-models\/[^/]+)(\/|$)/;
registerHooks({
  resolve(specifier, context, nextResolve) {
    if (!KUBERNETES_MODELS.test(specifier) || context.conditions.includes("import")) {
      return nextResolve(specifier, context);
    }
    return nextResolve(specifier, { ...context, conditions: [...context.conditions, "import"] });
  },
});

/** True when kubernetes-models knows this built-in kind. */
export function isBuiltInKind(apiVersion: string, kind: string): boolean {
  return builtInModel(apiVersion, kind) !== undefined;
}

function builtInModel(apiVersion: string, kind: string): ModelClass | undefined {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const modulePath = group
    ? `kubernetes-models/${group}/${version}/${kind}`
    : `kubernetes-models/${version}/${kind}`;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- one module per kind, chosen at run time
    const mod = require(modulePath) as Record<string, ModelClass>;
    return mod[kind];
  } catch {
    return undefined;
  }
}

/** Validates one object; an unknown apiVersion/kind is itself an error. */
export function validateManifest(manifest: Manifest): ManifestError[] {
  const apiVersion = String(manifest.apiVersion ?? "");
  const kind = String(manifest.kind ?? "");
  if (hasShared() && crdSchemaFile(apiVersion, kind)) return validateCustomResource(manifest);
  const metadata = (manifest.metadata ?? {}) as Record<string, unknown>;
  const object = `${apiVersion}/${kind} ${metadata.namespace ? `${String(metadata.namespace)}/` : ""}${String(metadata.name ?? "?")}`;
  const Model = builtInModel(apiVersion, kind);
  if (!Model) {
    return [
      {
        object,
        path: "",
        message: `no schema for ${apiVersion} ${kind} (not a built-in kind nor a cataloged CRD)`,
      },
    ];
  }
  try {
    new Model(stripNulls(manifest)).validate();
    return [];
  } catch (e) {
    return [{ object, path: "", message: (e as Error).message }];
  }
}
