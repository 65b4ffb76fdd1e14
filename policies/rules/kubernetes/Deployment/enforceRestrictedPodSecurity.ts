import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { describe, isRecord, stringList } from "../../../lib/values";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
/** The one capability the restricted profile lets a container add back. */
const ADDABLE_CAPABILITIES = ["NET_BIND_SERVICE"];
const SECCOMP_TYPES = ["RuntimeDefault", "Localhost"];

const record = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});

/**
 * A Deployment's pod template must meet the restricted Pod Security profile, and keep its root
 * filesystem read-only: for every container and init container, `runAsNonRoot: true` (from the
 * container or the pod, not overridden by `runAsUser: 0`), `allowPrivilegeEscalation: false`, not
 * privileged, `capabilities.drop` containing `ALL` (adding back `NET_BIND_SERVICE` at most), a
 * seccomp profile of type `RuntimeDefault` (or `Localhost`) from the container or the pod, and
 * `readOnlyRootFilesystem: true`. Containers injected at admission (the Linkerd proxy) are not in
 * the template and are not checked here.
 *
 * No control in the shared control set covers pod security, so `controls` is empty and the
 * severity is the pack's judgement.
 *
 * @severity high
 * @link https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export const acmeKubernetesDeploymentEnforceRestrictedPodSecurity: AcmeResourcePolicy = {
  name: "acme-kubernetes-deployment-enforce-restricted-pod-security",
  description:
    "Requires every container of a Deployment's pod template to meet the restricted Pod Security profile and to run with a read-only root filesystem.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: [],
  controlGap:
    "The shared control set has no pod security control; issue 12 requires services to run under the restricted Pod Security profile with a read-only root filesystem.",
  resourceType: DEPLOYMENT,
  validateResource: validateResourceType(DEPLOYMENT, (args, reportViolation) => {
    const podSpec = record(record(record(args.props.spec).template).spec);
    const pod = record(podSpec.securityContext);
    for (const kind of ["initContainers", "containers"] as const) {
      const list: unknown = podSpec[kind];
      if (!Array.isArray(list)) {
        continue;
      }
      list.forEach((item, i) => {
        const container = record(item);
        const where = `spec.template.spec.${kind}[${i}] (${describe(container.name)})`;
        const own = record(container.securityContext);
        const report = (field: string, value: unknown, fix: string) =>
          reportViolation(`${where}: ${field} is ${describe(value)}; ${fix}`);

        const runAsNonRoot = own.runAsNonRoot ?? pod.runAsNonRoot;
        if (runAsNonRoot !== true) {
          report(
            "runAsNonRoot (container or pod securityContext)",
            runAsNonRoot,
            "set securityContext.runAsNonRoot to true so the kubelet refuses to start it as root.",
          );
        }
        const runAsUser = own.runAsUser ?? pod.runAsUser;
        if (runAsUser === 0) {
          report(
            "runAsUser (container or pod securityContext)",
            runAsUser,
            "run as a non-zero UID.",
          );
        }
        if (own.allowPrivilegeEscalation !== false) {
          report(
            "securityContext.allowPrivilegeEscalation",
            own.allowPrivilegeEscalation,
            "set it to false.",
          );
        }
        if (own.privileged === true) {
          report("securityContext.privileged", own.privileged, "remove it or set it to false.");
        }
        const capabilities = record(own.capabilities);
        if (!stringList(capabilities.drop).includes("ALL")) {
          report("securityContext.capabilities.drop", capabilities.drop, 'set it to ["ALL"].');
        }
        const added = stringList(capabilities.add).filter((c) => !ADDABLE_CAPABILITIES.includes(c));
        if (added.length > 0) {
          report(
            "securityContext.capabilities.add",
            capabilities.add,
            "add back NET_BIND_SERVICE at most.",
          );
        }
        const seccomp = record(own.seccompProfile ?? pod.seccompProfile).type;
        if (typeof seccomp !== "string" || !SECCOMP_TYPES.includes(seccomp)) {
          report(
            "seccompProfile.type (container or pod securityContext)",
            seccomp,
            'set the pod\'s securityContext.seccompProfile to { type: "RuntimeDefault" }.',
          );
        }
        if (own.readOnlyRootFilesystem !== true) {
          report(
            "securityContext.readOnlyRootFilesystem",
            own.readOnlyRootFilesystem,
            "set it to true and mount an emptyDir where the process must write.",
          );
        }
      });
    }
  }),
};
