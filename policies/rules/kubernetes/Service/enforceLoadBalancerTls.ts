import { RECOMMENDED_POLICIES } from "../../../lib/elbTlsPolicies";
import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { annotationsOf, describe, isNonEmptyString, isRecord } from "../../../lib/values";

const SERVICE = "kubernetes:core/v1:Service";
const PREFIX = "service.beta.kubernetes.io/aws-load-balancer-";

/**
 * A Service of type `LoadBalancer` must terminate TLS at its load balancer: an ACM certificate
 * (`aws-load-balancer-ssl-cert`), TLS on every port it exposes (`aws-load-balancer-ssl-ports`
 * `*` or a list naming each port by number or name) and a negotiation policy ELB.17 accepts
 * (`aws-load-balancer-ssl-negotiation-policy`). Other Services create no load balancer and pass.
 *
 * @severity high
 * @link https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/#tls
 */
export const acmeKubernetesServiceEnforceLoadBalancerTls: AcmeResourcePolicy = {
  name: "acme-kubernetes-service-enforce-load-balancer-tls",
  description:
    "Requires Services of type LoadBalancer to terminate TLS on every port with a certificate and a recommended policy.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: ["K8S-SERVICE-LB-TLS"],
  resourceType: SERVICE,
  validateResource: validateResourceType(SERVICE, (args, reportViolation) => {
    const spec: unknown = args.props.spec;
    if (!isRecord(spec) || spec.type !== "LoadBalancer") {
      return;
    }
    const annotations = annotationsOf(args.props);
    const cert = annotations[`${PREFIX}ssl-cert`];
    if (!isNonEmptyString(cert)) {
      reportViolation(
        `annotation ${PREFIX}ssl-cert is ${describe(cert)}; set it to an ACM certificate ARN.`,
      );
    }
    const sslPorts = String(annotations[`${PREFIX}ssl-ports`] ?? "")
      .split(",")
      .map((p) => p.trim());
    const ports: unknown[] = Array.isArray(spec.ports) ? spec.ports : [];
    const uncovered = sslPorts.includes("*")
      ? []
      : ports.filter(
          (p) =>
            !isRecord(p) ||
            !(sslPorts.includes(String(p.port)) || sslPorts.includes(String(p.name))),
        );
    if (uncovered.length > 0) {
      reportViolation(
        `annotation ${PREFIX}ssl-ports does not cover port(s) ` +
          `${uncovered.map((p) => (isRecord(p) ? String(p.port) : "?")).join(", ")}; list every ` +
          'port or use "*".',
      );
    }
    const policy = annotations[`${PREFIX}ssl-negotiation-policy`];
    if (typeof policy !== "string" || !RECOMMENDED_POLICIES.includes(policy)) {
      reportViolation(
        `annotation ${PREFIX}ssl-negotiation-policy is ${describe(policy)}; set it to one of ` +
          `${RECOMMENDED_POLICIES.join(", ")}.`,
      );
    }
  }),
};
