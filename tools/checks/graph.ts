/**
 * Runs the engines' own checks over a captured graph, as the plan's last gate before the policy
 * pack: every Helm release's values against its pinned chart, every Kubernetes object against its
 * schema (CRDs from the shared catalog, built-in kinds from kubernetes-models), every Step
 * Functions state machine's definition with asl-validator (JSONata expressions parsed).
 */
import aslValidator from "asl-validator";
import { checkHelmValues } from "./helmValues";
import { HELM_FREE_FORM } from "./helmFreeForm";
import { isBuiltInKind, validateManifest, type Manifest } from "./manifests";
import { hasShared, sharedDir } from "./shared";
// Secret wrappers hold the real value under `value` in a capture; checks validate the value.
import { revealSecrets } from "../stackExport";

/**
 * A resource as the plan captured it. The engine checks read type and inputs; the cross-resource
 * checks also resolve references through the provider-assigned id and the outputs.
 */
export interface CheckedResource {
  urn: string;
  type: string;
  inputs: Record<string, unknown>;
  /** The id the (mock) provider assigned; absent for components. */
  id?: string;
  /** The (mock) provider's outputs; empty for components. */
  outputs?: Record<string, unknown>;
}

/** What the checks found. */
export interface GraphCheckResult {
  errors: string[];
  /** Checks that could not run, each saying why. */
  skipped: string[];
  releasesChecked: number;
  objectsChecked: number;
  /** State machine definitions validated as ASL. */
  stateMachinesChecked: number;
}

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
const STATE_MACHINE = "aws:sfn/stateMachine:StateMachine";

/** asl-validator's findings for one definition (JSON text), or a parse error. */
export function aslErrors(definition: string): string[] {
  let asl: unknown;
  try {
    asl = JSON.parse(definition);
  } catch (e) {
    return [`definition is not JSON: ${(e as Error).message}`];
  }
  const { isValid, errors } = aslValidator(asl as never);
  return isValid ? [] : errors.map((e) => e.message);
}

/** Checks every Release and Kubernetes object in `resources`. */
export function checkGraph(resources: CheckedResource[]): GraphCheckResult {
  const result: GraphCheckResult = {
    errors: [],
    skipped: [],
    releasesChecked: 0,
    objectsChecked: 0,
    stateMachinesChecked: 0,
  };
  const shared = hasShared();
  const releases = resources.filter((r) => r.type === HELM_RELEASE);
  const objects = resources.filter(
    (r) =>
      r.type.startsWith("kubernetes:") &&
      r.type !== HELM_RELEASE &&
      r.inputs.apiVersion &&
      r.inputs.kind,
  );

  if (!shared && releases.length > 0) {
    result.skipped.push(
      `Helm value checks of ${releases.length} release(s): no shared catalog at ${sharedDir()} (set SHARED_DIR)`,
    );
  }
  for (const release of shared ? releases : []) {
    const inputs = revealSecrets(release.inputs) as Record<string, unknown>;
    const chart = String(inputs.chart ?? "");
    const version = String(inputs.version ?? "");
    try {
      const errors = checkHelmValues(
        chart,
        version,
        (inputs.values ?? {}) as Record<string, unknown>,
        HELM_FREE_FORM[chart] ?? [],
      );
      result.errors.push(
        ...errors.map((e) => `${release.urn}: ${e.chart} values: ${e.path}: ${e.message}`),
      );
    } catch (e) {
      result.errors.push(`${release.urn}: ${(e as Error).message}`);
    }
    result.releasesChecked++;
  }

  let skippedCrs = 0;
  for (const object of objects) {
    const manifest = revealSecrets(object.inputs) as Manifest;
    if (!shared && !isBuiltInKind(String(manifest.apiVersion), String(manifest.kind))) {
      skippedCrs++;
      continue;
    }
    result.errors.push(
      ...validateManifest(manifest).map(
        (e) => `${object.urn}: ${e.path ? `${e.path}: ` : ""}${e.message}`,
      ),
    );
    result.objectsChecked++;
  }
  for (const machine of resources.filter((r) => r.type === STATE_MACHINE)) {
    const definition = revealSecrets(machine.inputs.definition);
    result.errors.push(...aslErrors(String(definition)).map((e) => `${machine.urn}: ASL: ${e}`));
    result.stateMachinesChecked++;
  }
  if (skippedCrs > 0) {
    result.skipped.push(
      `CRD schema checks of ${skippedCrs} custom resource(s): no shared catalog at ${sharedDir()}`,
    );
  }
  return result;
}
