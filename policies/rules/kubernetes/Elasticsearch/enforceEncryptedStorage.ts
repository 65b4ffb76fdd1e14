import type { PolicyResource } from "@pulumi/policy";
import type { AcmeStackPolicy } from "../../../lib/policy";
import { validateStackResourcesType } from "../../../lib/policy";
import { K8S_STORAGE_CLASS } from "../../../lib/resourceTypes";
import { describe, isNonEmptyString, isRecord } from "../../../lib/values";

const ELASTICSEARCH = "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch";

/** The StorageClass's name, from its metadata (the name claims refer to). */
function className(resource: PolicyResource): unknown {
  const metadata: unknown = resource.props.metadata;
  return isRecord(metadata) ? metadata.name : undefined;
}

/** parameters.encrypted, read case-insensitively as the EBS CSI driver does. */
function encryptedParameter(resource: PolicyResource): unknown {
  const params: unknown = resource.props.parameters;
  if (!isRecord(params)) {
    return undefined;
  }
  const key = Object.keys(params).find((k) => k.toLowerCase() === "encrypted");
  return key === undefined ? undefined : params[key];
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/**
 * Elasticsearch clusters run by ECK must keep their data on encrypted volumes: every volume claim
 * template of every node set names a StorageClass of the same Kubernetes cluster, managed in this
 * stack, whose `encrypted` parameter is "true". A node set without templates gets ECK's default
 * claim on the cluster's default StorageClass, which this stack cannot vouch for, so it is
 * reported too.
 *
 * @severity high
 * @link https://www.elastic.co/guide/en/cloud-on-k8s/current/k8s-volume-claim-templates.html
 */
export const acmeKubernetesElasticsearchEnforceEncryptedStorage: AcmeStackPolicy = {
  name: "acme-kubernetes-elasticsearch-enforce-encrypted-storage",
  description:
    "Requires every Elasticsearch node set to claim its volumes from a StorageClass in the stack that sets encrypted to true.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: [],
  controlGap:
    "K8S-SC-EBS-ENCRYPTED covers StorageClasses only; no shared control ties an Elasticsearch " +
    "resource's volume claims to an encrypted class (issue item 8).",
  resourceType: ELASTICSEARCH,
  validateStack: validateStackResourcesType(ELASTICSEARCH, (clusters, args, reportViolation) => {
    const classes = args.resources.filter((r) => r.type === K8S_STORAGE_CLASS);
    const fix = 'name a StorageClass in this stack whose parameters set encrypted: "true".';
    for (const es of clusters) {
      const sameCluster = classes.filter((c) => c.provider?.urn === es.provider?.urn);
      const spec: unknown = es.props.spec;
      const nodeSets = asList(isRecord(spec) ? spec.nodeSets : undefined);
      nodeSets.forEach((nodeSet, i) => {
        const set = isRecord(nodeSet) ? nodeSet : {};
        const where = `Elasticsearch ${es.name} nodeSets[${i}] (${describe(set.name)})`;
        const templates = asList(set.volumeClaimTemplates);
        if (templates.length === 0) {
          reportViolation(
            `${where} has no volumeClaimTemplates, so ECK claims its data volume from the ` +
              "default StorageClass; add a template whose storageClassName names a StorageClass in " +
              'this stack whose parameters set encrypted: "true".',
            es.urn,
          );
          return;
        }
        templates.forEach((template, j) => {
          const templateSpec: unknown = isRecord(template) ? template.spec : undefined;
          const name: unknown = isRecord(templateSpec) ? templateSpec.storageClassName : undefined;
          const path = `${where} volumeClaimTemplates[${j}].spec.storageClassName`;
          if (!isNonEmptyString(name)) {
            reportViolation(
              `${path} is ${describe(name)}, so the claim uses the default StorageClass; ${fix}`,
              es.urn,
            );
            return;
          }
          const found = sameCluster.find((c) => className(c) === name);
          if (!found) {
            reportViolation(
              `${path} is "${name}", which is not a StorageClass of the same cluster in this ` +
                `stack; ${fix}`,
              es.urn,
            );
            return;
          }
          const encrypted = encryptedParameter(found);
          if (encrypted !== "true") {
            reportViolation(
              `${path} is "${name}", a StorageClass whose parameters.encrypted is ` +
                `${describe(encrypted)}; ${fix}`,
              es.urn,
            );
          }
        });
      });
    }
  }),
};
