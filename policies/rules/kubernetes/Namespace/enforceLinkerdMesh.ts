import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { describe, isRecord } from "../../../lib/values";

const NAMESPACE = "kubernetes:core/v1:Namespace";
const APP_NAMESPACE_LABEL = "acme.io/app-namespace";
const INJECT = "linkerd.io/inject";
const INBOUND_POLICY = "config.linkerd.io/default-inbound-policy";

/**
 * Application namespaces (labelled `acme.io/app-namespace: "true"`) must be meshed: Linkerd
 * injects a proxy into every pod (`linkerd.io/inject: enabled`), so every hop is mutually
 * authenticated TLS, and the proxies deny inbound traffic that no AuthorizationPolicy allows
 * (`config.linkerd.io/default-inbound-policy: deny`), so only the meshed identities a service
 * names reach it.
 *
 * No control in the shared control set covers namespaces or the service mesh, so `controls` is
 * empty and the severity is the pack's judgement.
 *
 * @severity high
 * @link https://linkerd.io/2-edge/reference/authorization-policy/
 */
export const acmeKubernetesNamespaceEnforceLinkerdMesh: AcmeResourcePolicy = {
  name: "acme-kubernetes-namespace-enforce-linkerd-mesh",
  description:
    "Requires application namespaces to inject the Linkerd proxy and to deny inbound traffic that no Linkerd authorization allows.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: [],
  controlGap:
    "The shared control set has no control for in-cluster mTLS or namespace mesh membership; the mesh issue requires application namespaces to be meshed with default-deny authorization.",
  resourceType: NAMESPACE,
  validateResource: validateResourceType(NAMESPACE, (args, reportViolation) => {
    const metadata: unknown = args.props.metadata;
    const meta = isRecord(metadata) ? metadata : {};
    const labels = isRecord(meta.labels) ? meta.labels : {};
    if (labels[APP_NAMESPACE_LABEL] !== "true") {
      args.notApplicable(`Only namespaces labelled ${APP_NAMESPACE_LABEL}=true are checked.`);
    }
    const annotations = isRecord(meta.annotations) ? meta.annotations : {};
    if (annotations[INJECT] !== "enabled") {
      reportViolation(
        `metadata.annotations["${INJECT}"] is ${describe(annotations[INJECT])}; set it to ` +
          '"enabled" so every pod of the application namespace gets a Linkerd proxy.',
      );
    }
    if (annotations[INBOUND_POLICY] !== "deny") {
      reportViolation(
        `metadata.annotations["${INBOUND_POLICY}"] is ${describe(annotations[INBOUND_POLICY])}; ` +
          'set it to "deny" so only identities an AuthorizationPolicy allows reach its pods.',
      );
    }
  }),
};
