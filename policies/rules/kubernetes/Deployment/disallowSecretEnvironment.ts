import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { K8S_HELM_RELEASE, K8S_WORKLOAD_POD_SPEC_PATHS } from "../../../lib/resourceTypes";
import { describe, isNonEmptyString, isRecord, isUnset } from "../../../lib/values";

/** What every violation asks for. */
const FIX =
  "mount the Secret as a file instead (a `secret` volume, readOnly) and have the process read " +
  "the file, or list the site in this rule's `exemptions` with the reason the app cannot read one.";

/** A finding the config accepts: the resource (kind and name) and the path the finding is under. */
interface Exemption {
  kind: string;
  name: string;
  path: string;
  reason: string;
}

/** The config of {@link acmeKubernetesDeploymentDisallowSecretEnvironment}. */
interface SecretEnvironmentConfig {
  exemptions: Exemption[];
}

const record = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});

/** The exemptions of the config, each checked: a malformed entry is an error, not a pass. */
function exemptionsOf(config: SecretEnvironmentConfig): Exemption[] {
  const list: unknown = config.exemptions;
  if (!Array.isArray(list)) {
    throw new Error(`exemptions is ${describe(list)}; give a list of { kind, name, path, reason }`);
  }
  return list.map((entry, i) => {
    const e = record(entry);
    for (const key of ["kind", "name", "path"] as const) {
      if (!isNonEmptyString(e[key])) {
        throw new Error(`exemptions[${i}].${key} is ${describe(e[key])}; give a non-empty string`);
      }
    }
    if (typeof e.reason !== "string" || e.reason.trim().length < 20) {
      throw new Error(
        `exemptions[${i}].reason is ${describe(e.reason)}; say in a sentence why the app cannot ` +
          "read the credential from a file",
      );
    }
    return e as unknown as Exemption;
  });
}

/** True when `path` is `prefix` or lies under it (`a.b` covers `a.b[0].c`, not `a.bc`). */
function isUnder(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/** `kubernetes:apps/v1:Deployment` -> `Deployment`. */
const kindOf = (type: string) => type.split(":").pop() ?? type;

/** `Secret "name" key "key"`, from a secretKeyRef. */
function keyRefText(ref: Record<string, unknown>): string {
  return `key ${describe(ref.key)} of Secret ${describe(ref.name)}`;
}

/**
 * Reports each way a resource takes a Secret into a process environment: an env entry's
 * `valueFrom.secretKeyRef` and an `envFrom` entry's `secretRef`, unless an exemption covers it.
 */
function reporter(
  args: ResourceValidationArgs,
  resourceName: string,
  reportViolation: ReportViolation,
): (path: string, what: string) => void {
  const kind = kindOf(args.type);
  const exemptions = exemptionsOf(args.getConfig<SecretEnvironmentConfig>());
  return (path, what) => {
    const exempt = exemptions.some(
      (e) => e.kind === kind && e.name === resourceName && isUnder(path, e.path),
    );
    if (!exempt) {
      reportViolation(`${kind} ${resourceName}: ${path} ${what}; ${FIX}`);
    }
  };
}

/** The containers and init containers of a workload's pod spec. */
function checkWorkload(args: ResourceValidationArgs, reportViolation: ReportViolation): void {
  const specPath = K8S_WORKLOAD_POD_SPEC_PATHS[args.type];
  const metadata = record(args.props.metadata);
  const name = isNonEmptyString(metadata.name) ? metadata.name : args.name;
  const report = reporter(args, name, reportViolation);
  const podSpec = specPath.reduce<unknown>((node, key) => record(node)[key], args.props);
  for (const kind of ["initContainers", "containers"] as const) {
    const list: unknown = record(podSpec)[kind];
    if (!Array.isArray(list)) {
      continue;
    }
    list.forEach((item, i) => {
      const container = record(item);
      const where = `${specPath.join(".")}.${kind}[${i}]`;
      const label = `(container ${describe(container.name)})`;
      const env: unknown = container.env;
      (Array.isArray(env) ? env : []).forEach((entry, j) => {
        const valueFrom = record(record(entry).valueFrom);
        if (!isUnset(valueFrom.secretKeyRef)) {
          report(
            `${where}.env[${j}].valueFrom.secretKeyRef`,
            `${label} puts ${keyRefText(record(valueFrom.secretKeyRef))} into env ${describe(record(entry).name)}`,
          );
        }
      });
      const envFrom: unknown = container.envFrom;
      (Array.isArray(envFrom) ? envFrom : []).forEach((entry, j) => {
        if (!isUnset(record(entry).secretRef)) {
          report(
            `${where}.envFrom[${j}].secretRef`,
            `${label} puts every key of Secret ${describe(record(record(entry).secretRef).name)} into the environment`,
          );
        }
      });
    });
  }
}

/**
 * A Helm release's values, searched whole: the chart renders its workloads from them, so a
 * `secretKeyRef` anywhere (a chart's `extraEnv`, grafana's `envValueFrom`, ...) or a `secretRef`
 * in an `envFrom`-like list (`envFrom`, `extraEnvFrom`) ends up in a container's environment.
 */
function checkRelease(args: ResourceValidationArgs, reportViolation: ReportViolation): void {
  const name = isNonEmptyString(args.props.name) ? args.props.name : args.name;
  const report = reporter(args, name, reportViolation);
  const walk = (node: unknown, path: string, inEnvFrom: boolean): void => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, `${path}[${i}]`, inEnvFrom));
      return;
    }
    if (!isRecord(node)) {
      return;
    }
    for (const [key, value] of Object.entries(node)) {
      const at = `${path}.${key}`;
      if (key === "secretKeyRef") {
        report(at, `puts ${keyRefText(record(value))} into a container's environment`);
      } else if (key === "secretRef" && inEnvFrom) {
        report(
          at,
          `puts every key of Secret ${describe(record(value).name)} into a container's environment`,
        );
      } else {
        walk(value, at, Array.isArray(value) && /envFrom$/i.test(key));
      }
    }
  };
  walk(args.props.values, "values", false);
}

/**
 * No workload may take a Secret into its environment (CKV_K8S_35): not through an env entry's
 * `valueFrom.secretKeyRef`, not through `envFrom[].secretRef`. The environment leaks where files
 * do not: `kubectl describe`, crash dumps, child processes, `/proc/<pid>/environ` of every process
 * of the user, and logs of tools that print it. Checked are the containers and init containers of
 * Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs and Pods, and the values of
 * Helm releases (`kubernetes:helm.sh/v3:Release`), whose workloads are not in the graph and get
 * their environment from the values. What a chart's own templates wire up from other values (a
 * Secret name the template turns into a `secretKeyRef`) is not visible here.
 *
 * A site whose app truly cannot read a file is listed in `exemptions` (the stack's pack config,
 * `policies/config/<stack>.json`) by kind, name and path, with the reason.
 *
 * The control's other parts are enforced elsewhere or not visible to a policy: envelope
 * encryption of Secrets with the cluster's CMK is EKS.3 (acme-eks-cluster-enable-secrets-
 * encryption); whether a Secret's `data`/`stringData` came from `pulumi.secret` cannot be told,
 * as CrossGuard hands secret values to policies as plain values.
 *
 * @severity medium
 * @link https://github.com/bridgecrewio/checkov/blob/03d5fdad8d6154b1565799a7b1fb8070c158866f/checkov/kubernetes/checks/resource/k8s/Secrets.py
 */
export const acmeKubernetesDeploymentDisallowSecretEnvironment: AcmeResourcePolicy = {
  name: "acme-kubernetes-deployment-disallow-secret-environment",
  description:
    "Forbids workloads and Helm release values that take a Secret into a container's environment through env valueFrom.secretKeyRef or envFrom secretRef.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["K8S-SECRET-HANDLING"],
  resourceType: "kubernetes:apps/v1:Deployment",
  configSchema: {
    properties: {
      exemptions: {
        type: "array",
        default: [],
        description:
          "Sites allowed to take a Secret into the environment because the app cannot read a file: " +
          "{ kind (Deployment, Release, ...), name (metadata.name, or the release name), path " +
          "(the finding's path or a prefix of it), reason }.",
        items: {
          type: "object",
          required: ["kind", "name", "path", "reason"],
          additionalProperties: false,
          properties: {
            kind: { type: "string", minLength: 1 },
            name: { type: "string", minLength: 1 },
            path: { type: "string", minLength: 1 },
            reason: { type: "string", minLength: 20 },
          },
        },
      },
    },
  },
  validateResource: [
    ...Object.keys(K8S_WORKLOAD_POD_SPEC_PATHS).map((t) => validateResourceType(t, checkWorkload)),
    validateResourceType(K8S_HELM_RELEASE, checkRelease),
  ],
};
