import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { annotationsOf, describe, isRecord } from "../../../lib/values";

const SERVICE = "kubernetes:core/v1:Service";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const SCHEME = "service.beta.kubernetes.io/aws-load-balancer-scheme";
const LEGACY_INTERNAL = "service.beta.kubernetes.io/aws-load-balancer-internal";
const INGRESS_SCHEME = "alb.ingress.kubernetes.io/scheme";

/**
 * Load balancers that Kubernetes objects create must be internal: a Service of type
 * `LoadBalancer` needs `aws-load-balancer-scheme: internal` (or the legacy
 * `aws-load-balancer-internal: "true"`), an Ingress `alb.ingress.kubernetes.io/scheme: internal`.
 * Both controllers default to internet-facing or internal depending on version, so the scheme
 * must be stated. The platform's one public entry is API Gateway; no exception list exists yet.
 *
 * @severity medium
 * @link https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/#lb-scheme
 */
export const acmeKubernetesServiceEnforceInternalLoadBalancer: AcmeResourcePolicy = {
  name: "acme-kubernetes-service-enforce-internal-load-balancer",
  description: "Requires the load balancers of LoadBalancer Services and Ingresses to be internal.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["K8S-LB-INTERNAL"],
  resourceType: SERVICE,
  validateResource: [
    validateResourceType(SERVICE, (args, reportViolation) => {
      const spec: unknown = args.props.spec;
      if (!isRecord(spec) || spec.type !== "LoadBalancer") {
        return;
      }
      const annotations = annotationsOf(args.props);
      if (annotations[SCHEME] !== "internal" && annotations[LEGACY_INTERNAL] !== "true") {
        reportViolation(
          `annotation ${SCHEME} is ${describe(annotations[SCHEME])}; set it to "internal".`,
        );
      }
    }),
    validateResourceType(INGRESS, (args, reportViolation) => {
      const scheme = annotationsOf(args.props)[INGRESS_SCHEME];
      if (scheme !== "internal") {
        reportViolation(
          `annotation ${INGRESS_SCHEME} is ${describe(scheme)}; set it to "internal".`,
        );
      }
    }),
  ],
};
