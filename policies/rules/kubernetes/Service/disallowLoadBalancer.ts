import type { AcmeStackPolicy } from "../../../lib/policy";
import { validateStackResourcesType } from "../../../lib/policy";
import { isNonEmptyString, isRecord } from "../../../lib/values";

const SERVICE = "kubernetes:core/v1:Service";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const APP_NAMESPACE_LABEL = "acme.io/app-namespace";

const record = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});

/**
 * Only the platform may expose a Service through a cloud load balancer. A Service of type
 * `LoadBalancer` is the platform's own when its namespace is a Namespace that this stack declares
 * on the same cluster without the application label (`acme.io/app-namespace: "true"`): the
 * namespaces the platform's components create (linkerd, cert-manager, monitoring, ...). One in an
 * application namespace, or in a namespace the stack does not declare (`default` included), is
 * reported: services are reached through the platform's front door and the mesh, which a load
 * balancer of their own would bypass.
 *
 * K8S-LB-INTERNAL governs a load balancer's scheme, not who may create one, so `controls` is empty
 * and the severity is the pack's judgement.
 *
 * @severity high
 * @link https://kubernetes.io/docs/concepts/services-networking/service/#loadbalancer
 */
export const acmeKubernetesServiceDisallowLoadBalancer: AcmeStackPolicy = {
  name: "acme-kubernetes-service-disallow-load-balancer",
  description:
    "Prohibits Services of type LoadBalancer outside the namespaces the platform's components declare.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: [],
  controlGap:
    "K8S-LB-INTERNAL covers a load balancer's scheme only; issue 12 requires that no Service of type LoadBalancer exists outside the platform's own.",
  resourceType: SERVICE,
  validateStack: validateStackResourcesType(SERVICE, (services, args, reportViolation) => {
    const namespaces = args.resources.filter((r) => r.type === NAMESPACE);
    const fix =
      "make it a ClusterIP Service and reach it through the platform's front door and the mesh.";
    for (const service of services) {
      if (record(service.props.spec).type !== "LoadBalancer") {
        continue;
      }
      const declared: unknown = record(service.props.metadata).namespace;
      const name = isNonEmptyString(declared) ? declared : "default";
      const namespace = namespaces.find(
        (n) => n.provider?.urn === service.provider?.urn && record(n.props.metadata).name === name,
      );
      if (!namespace) {
        reportViolation(
          `Service ${service.name} is of type LoadBalancer in namespace "${name}", which no ` +
            `platform component declares in this stack; ${fix}`,
          service.urn,
        );
      } else if (record(record(namespace.props.metadata).labels)[APP_NAMESPACE_LABEL] === "true") {
        reportViolation(
          `Service ${service.name} is of type LoadBalancer in namespace "${name}", an application ` +
            `namespace (${APP_NAMESPACE_LABEL}=true); ${fix}`,
          service.urn,
        );
      }
    }
  }),
};
