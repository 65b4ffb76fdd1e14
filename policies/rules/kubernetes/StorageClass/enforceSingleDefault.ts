import type { PolicyResource } from "@pulumi/policy";
import type { AcmeStackPolicy } from "../../../lib/policy";
import { validateStackResourcesType } from "../../../lib/policy";
import { K8S_STORAGE_CLASS } from "../../../lib/resourceTypes";
import { isRecord } from "../../../lib/values";

// Kubernetes still honours the beta annotation, so both mark a default class.
const DEFAULT_CLASS_ANNOTATIONS = [
  "storageclass.kubernetes.io/is-default-class",
  "storageclass.beta.kubernetes.io/is-default-class",
];

function isDefaultClass(resource: PolicyResource): boolean {
  const metadata: unknown = resource.props.metadata;
  const annotations: unknown = isRecord(metadata) ? metadata.annotations : undefined;
  return isRecord(annotations) && DEFAULT_CLASS_ANNOTATIONS.some((a) => annotations[a] === "true");
}

/**
 * At most one StorageClass per cluster may be the default; with two, Kubernetes picks the newest,
 * so which key and settings a claim without storageClassName gets depends on creation order.
 * Classes are grouped by Kubernetes provider, since one stack can manage several clusters.
 *
 * @severity high
 * @link https://kubernetes.io/docs/tasks/administer-cluster/change-default-storage-class/
 */
export const acmeKubernetesStorageclassEnforceSingleDefault: AcmeStackPolicy = {
  name: "acme-kubernetes-storageclass-enforce-single-default",
  description: "Requires at most one default StorageClass per Kubernetes cluster in the stack.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: ["K8S-SC-EBS-ENCRYPTED"],
  resourceType: K8S_STORAGE_CLASS,
  validateStack: validateStackResourcesType(
    K8S_STORAGE_CLASS,
    (classes, _args, reportViolation) => {
      const byCluster = new Map<string, PolicyResource[]>();
      for (const storageClass of classes.filter(isDefaultClass)) {
        const cluster = storageClass.provider?.urn ?? "";
        byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), storageClass]);
      }
      for (const defaults of byCluster.values()) {
        if (defaults.length < 2) {
          continue;
        }
        const names = defaults.map((r) => r.name).join(", ");
        for (const storageClass of defaults) {
          reportViolation(
            `StorageClass ${storageClass.name} is one of ${defaults.length} default StorageClasses ` +
              `for the same cluster (${names}); keep the is-default-class annotation on exactly one.`,
            storageClass.urn,
          );
        }
      }
    },
  ),
};
