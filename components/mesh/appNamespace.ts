/**
 * An application namespace, meshed and fenced twice:
 *
 * 1. Linkerd: every pod gets a proxy (`linkerd.io/inject: enabled`) and inbound traffic is denied
 *    unless authorized (`config.linkerd.io/default-inbound-policy: deny`). Each declared service
 *    gets a Server, a MeshTLSAuthentication listing the mesh identities (service accounts) allowed
 *    to call it, and an AuthorizationPolicy tying the two: only those meshed clients, over mTLS.
 * 2. Kubernetes NetworkPolicies: default deny in both directions, then DNS, the Linkerd control
 *    plane, linkerd-viz's scrapes, the egress every service needs (VPC interface endpoints on
 *    443, the MSK brokers on 9098, the OTel collector on 4317), each service's port from its
 *    clients' namespaces, and the listed egress. A pod whose proxy is bypassed (or a client outside the mesh) meets this fence.
 *
 * The allowed clients are plain lists: they decide how many objects exist and are reviewed as code.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  DNS_LABEL,
  RESERVED_NAMESPACES,
  throwIfInvalid,
  type ValidationError,
  DNS_SUBDOMAIN,
} from "../lib";
import { KAFKA_PORTS } from "../messaging/kafka";
import {
  DEFAULT_TRACING_NAMESPACE,
  OTEL_COLLECTOR_POD_LABELS,
  OTLP_GRPC_PORT,
} from "../observability/tracing";
import {
  LINKERD_NAMESPACE,
  LINKERD_TRUST_DOMAIN,
  LINKERD_VIZ_NAMESPACE,
  type Linkerd,
} from "./linkerd";

/** The label that marks an application namespace (the policy pack keys on it). */
export const APP_NAMESPACE_LABEL = "acme.io/app-namespace";

/** Namespaces that are never application namespaces: Kubernetes' own and the mesh's. */
const NON_APP_NAMESPACES: readonly string[] = [
  ...RESERVED_NAMESPACES,
  "cert-manager",
  LINKERD_NAMESPACE,
  LINKERD_VIZ_NAMESPACE,
];

/** Ports of the Linkerd proxy itself (outbound, inbound, tap/control, admin/metrics). */
const PROXY_PORTS = { outbound: 4140, inbound: 4143, control: 4190, admin: 4191 } as const;

/**
 * The cluster's Prometheus (kube-prometheus-stack, `Monitoring`'s default namespace): unmeshed, so
 * it has no mesh identity. The operator labels every Prometheus pod `app.kubernetes.io/name:
 * prometheus` (prometheus-operator pkg/prometheus selector labels; `Monitoring`'s topology spread
 * selects on the same label).
 */
export const CLUSTER_PROMETHEUS = {
  namespace: "monitoring",
  podLabels: { "app.kubernetes.io/name": "prometheus" },
} as const;

/** The port of the VPC interface endpoints (AWS APIs over HTTPS). */
const VPC_ENDPOINT_PORT = 443;

/** How the proxy treats a Server's inbound connections (Linkerd's proxyProtocol values). */
export type ProxyProtocol = "unknown" | "HTTP/1" | "HTTP/2" | "gRPC" | "opaque" | "TLS";

/** A meshed workload allowed to call a service: its namespace and service account. */
export interface MeshClient {
  /** The client's namespace (meshed). */
  namespace: string;
  /** The client's service account; its mesh identity is derived from it and the namespace. */
  serviceAccount: string;
}

/** One meshed service of the namespace and who may call it. */
export interface MeshedServiceSpec {
  /** Labels of the service's pods (the Server's and the NetworkPolicy's pod selector); not empty. */
  podSelector: Record<string, string>;
  /** The container port the service listens on. */
  port: number;
  /**
   * Protocol of the port; `unknown` lets the proxy detect it.
   * @default "unknown"
   */
  proxyProtocol?: ProxyProtocol;
  /** The only meshed identities that may call the service; at least one. */
  allowedClients: MeshClient[];
}

/** Traffic the namespace's pods may send, besides DNS and the Linkerd control plane. */
export interface EgressRule {
  /** A namespace of the cluster (its services' pods), or ... */
  namespace?: string;
  /** ... an IPv4 CIDR outside the cluster (VPC endpoints, a database), never /0. */
  cidr?: string;
  /** TCP ports allowed to that destination. */
  ports: number[];
}

/** Arguments of {@link AppNamespace}. */
export interface AppNamespaceArgs {
  /** The cluster's Kubernetes provider. */
  provider: k8s.Provider;
  /** The mesh; the namespace's objects wait for its CRDs and proxy injector. */
  linkerd: Linkerd;
  /** The namespace name (physical; mesh identities embed it). */
  namespace: string;
  /**
   * The VPC's IPv4 CIDR. Every pod may reach it on 443 (the VPC interface endpoints: STS for Pod
   * Identity, SQS, KMS; their ENIs take addresses in the private subnets) and on 9098 (the MSK
   * brokers, SASL/IAM over TLS); the security groups on the far side still decide.
   */
  vpcCidrBlock: pulumi.Input<string>;
  /**
   * Services by name (the name of their Server and AuthorizationPolicy).
   * @default {}
   */
  services?: Record<string, MeshedServiceSpec>;
  /**
   * Destinations the pods may reach; everything else is denied.
   * @default []
   */
  egress?: EgressRule[];
  /**
   * Authorize linkerd-viz's Prometheus to scrape the proxies' /metrics and the kubelet to probe
   * /live and /ready (what `linkerd viz allow-scrapes` emits), so golden metrics keep flowing under
   * the deny policy; and the cluster's Prometheus ({@link CLUSTER_PROMETHEUS}, unmeshed) to scrape
   * /metrics on 4191: a NetworkPolicy admits its pods, and a NetworkAuthentication of the pod
   * network (`vpcCidrBlock`: the VPC CNI gives pods VPC addresses) authorizes it in Linkerd.
   * @default true
   */
  allowMetricsScrapes?: boolean;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

const isLabel = (s: string) => DNS_LABEL.test(s);
const isPort = (p: number) => Number.isInteger(p) && p >= 1 && p <= 65535;

function isCidr(value: string): boolean {
  const m = CIDR.exec(value);
  return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}

/** The mesh identity of a service account (`<sa>.<ns>.serviceaccount.identity.linkerd.cluster.local`). */
export function meshIdentity(client: MeshClient): string {
  return `${client.serviceAccount}.${client.namespace}.serviceaccount.identity.${LINKERD_NAMESPACE}.${LINKERD_TRUST_DOMAIN}`;
}

/** Validates {@link AppNamespaceArgs}; returns every problem. */
export function validateAppNamespaceArgs(args: AppNamespaceArgs): ValidationError[] {
  const errors: ValidationError[] = [];
  if (!isLabel(args.namespace)) {
    errors.push({
      propertyPath: "namespace",
      reason: `"${args.namespace}" is not a DNS label (lower-case letters, digits and '-', at most 63)`,
    });
  } else if (NON_APP_NAMESPACES.includes(args.namespace)) {
    errors.push({
      propertyPath: "namespace",
      reason: `"${args.namespace}" is a system namespace; application namespaces need their own`,
    });
  }
  if (typeof args.vpcCidrBlock === "string" && !isCidr(args.vpcCidrBlock)) {
    errors.push({
      propertyPath: "vpcCidrBlock",
      reason: `"${args.vpcCidrBlock}" is not an IPv4 CIDR; pass the VPC's (network.vpcCidrBlock)`,
    });
  }
  for (const [name, svc] of Object.entries(args.services ?? {})) {
    const at = `services.${name}`;
    if (!isLabel(name) || name.length > 55) {
      errors.push({
        propertyPath: at,
        reason: "the service name must be a DNS label of at most 55 characters",
      });
    }
    if (Object.keys(svc.podSelector).length === 0) {
      errors.push({
        propertyPath: `${at}.podSelector`,
        reason: "is empty and would select every pod of the namespace; give the service's labels",
      });
    }
    if (!isPort(svc.port)) {
      errors.push({ propertyPath: `${at}.port`, reason: `must be 1..65535 (got ${svc.port})` });
    } else if ((Object.values(PROXY_PORTS) as number[]).includes(svc.port)) {
      errors.push({
        propertyPath: `${at}.port`,
        reason: `${svc.port} is a Linkerd proxy port; the application must listen elsewhere`,
      });
    }
    if (svc.allowedClients.length === 0) {
      errors.push({
        propertyPath: `${at}.allowedClients`,
        reason: "lists no client, so nothing could reach the service; name its callers",
      });
    }
    svc.allowedClients.forEach((c, i) => {
      if (!isLabel(c.namespace) || !DNS_SUBDOMAIN.test(c.serviceAccount)) {
        errors.push({
          propertyPath: `${at}.allowedClients[${i}]`,
          reason: `"${c.serviceAccount}" in "${c.namespace}" is not a valid service account and namespace`,
        });
      }
    });
  }
  (args.egress ?? []).forEach((rule, i) => {
    const at = `egress[${i}]`;
    if ((rule.namespace === undefined) === (rule.cidr === undefined)) {
      errors.push({ propertyPath: at, reason: "set exactly one of namespace and cidr" });
    } else if (rule.namespace !== undefined && !isLabel(rule.namespace)) {
      errors.push({
        propertyPath: `${at}.namespace`,
        reason: `"${rule.namespace}" is not a namespace name`,
      });
    } else if (rule.cidr !== undefined && (!isCidr(rule.cidr) || rule.cidr.endsWith("/0"))) {
      errors.push({
        propertyPath: `${at}.cidr`,
        reason: `"${rule.cidr}" must be an IPv4 CIDR narrower than /0`,
      });
    }
    if (rule.ports.length === 0 || !rule.ports.every(isPort)) {
      errors.push({
        propertyPath: `${at}.ports`,
        reason: "must list at least one port, each 1..65535",
      });
    }
  });
  return errors;
}

const byName = (namespace: string) => ({
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
});
const tcp = (port: number) => ({ protocol: "TCP", port });

/**
 * A meshed application namespace with default-deny Linkerd authorization and NetworkPolicies.
 */
export class AppNamespace extends pulumi.ComponentResource {
  public readonly namespace: k8s.core.v1.Namespace;
  public readonly namespaceName: pulumi.Output<string>;
  /** The mesh identities allowed per service, as rendered into its MeshTLSAuthentication. */
  public readonly allowedIdentities: Readonly<Record<string, string[]>>;

  constructor(name: string, args: AppNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    throwIfInvalid("AppNamespace", validateAppNamespaceArgs(args));
    super("acme:mesh:AppNamespace", name, {}, opts);

    const childOpts = { parent: this, provider: args.provider, dependsOn: [args.linkerd] };
    this.namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: args.namespace,
          labels: { [APP_NAMESPACE_LABEL]: "true" },
          annotations: {
            "linkerd.io/inject": "enabled",
            "config.linkerd.io/default-inbound-policy": "deny",
          },
        },
      },
      childOpts,
    );
    const namespace = this.namespace.metadata.name;
    const inNamespace = (resourceName: string, labels?: Record<string, string>) => ({
      name: resourceName,
      namespace,
      ...(labels ? { labels } : {}),
    });

    const networkPolicy = (suffix: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
      new k8s.networking.v1.NetworkPolicy(
        `${name}-${suffix}`,
        { metadata: inNamespace(suffix), spec },
        childOpts,
      );
    networkPolicy("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    networkPolicy("allow-dns", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          to: [
            { ...byName("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } },
          ],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    });
    // Proxies reach identity, destination and policy in the control plane; linkerd-viz reaches
    // the proxies' admin (metrics) and tap ports.
    networkPolicy("allow-linkerd", {
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      egress: [{ to: [byName(LINKERD_NAMESPACE)] }],
      ingress: [
        {
          from: [byName(LINKERD_VIZ_NAMESPACE)],
          ports: [tcp(PROXY_PORTS.admin), tcp(PROXY_PORTS.control)],
        },
      ],
    });

    // What every service of the platform needs, whatever it declares: AWS APIs through the VPC
    // interface endpoints (HTTPS), the MSK brokers (SASL/IAM) and the OTel collector (OTLP gRPC,
    // where SDKs and the proxies send spans).
    networkPolicy("allow-platform-egress", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          to: [{ ipBlock: { cidr: args.vpcCidrBlock } }],
          ports: [tcp(VPC_ENDPOINT_PORT), tcp(KAFKA_PORTS.saslIam)],
        },
        {
          to: [
            {
              ...byName(DEFAULT_TRACING_NAMESPACE),
              podSelector: { matchLabels: { ...OTEL_COLLECTOR_POD_LABELS } },
            },
          ],
          ports: [tcp(OTLP_GRPC_PORT)],
        },
      ],
    });

    const allowed: Record<string, string[]> = {};
    for (const [svcName, svc] of Object.entries(args.services ?? {})) {
      const clientNamespaces = [...new Set(svc.allowedClients.map((c) => c.namespace))].sort();
      networkPolicy(`allow-${svcName}`, {
        podSelector: { matchLabels: svc.podSelector },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [
              {
                namespaceSelector: {
                  matchExpressions: [
                    {
                      key: "kubernetes.io/metadata.name",
                      operator: "In",
                      values: clientNamespaces,
                    },
                  ],
                },
              },
            ],
            ports: [tcp(svc.port)],
          },
        ],
      });
      allowed[svcName] = [...new Set(svc.allowedClients.map(meshIdentity))].sort();
      this.authorize(name, svcName, svc, allowed[svcName], inNamespace, childOpts);
    }
    this.allowedIdentities = allowed;

    const egress = args.egress ?? [];
    if (egress.length > 0) {
      networkPolicy("allow-egress", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: egress.map((rule) => ({
          to: [
            rule.namespace !== undefined
              ? byName(rule.namespace)
              : { ipBlock: { cidr: rule.cidr as string } },
          ],
          ports: rule.ports.map(tcp),
        })),
      });
    }

    if (args.allowMetricsScrapes ?? true) {
      this.allowScrapes(name, inNamespace, childOpts);
      this.allowClusterPrometheus(name, args.vpcCidrBlock, inNamespace, childOpts);
      networkPolicy("allow-prometheus", {
        podSelector: {},
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [
              {
                ...byName(CLUSTER_PROMETHEUS.namespace),
                podSelector: { matchLabels: { ...CLUSTER_PROMETHEUS.podLabels } },
              },
            ],
            ports: [tcp(PROXY_PORTS.admin)],
          },
        ],
      });
    }

    this.namespaceName = namespace;
    this.registerOutputs({ namespaceName: this.namespaceName, allowedIdentities: allowed });
  }

  /** Server + MeshTLSAuthentication + AuthorizationPolicy for one service. */
  private authorize(
    prefix: string,
    svcName: string,
    svc: MeshedServiceSpec,
    identities: string[],
    inNamespace: (name: string) => Record<string, unknown>,
    opts: pulumi.CustomResourceOptions,
  ): void {
    const policy = (kind: string, apiVersion: string, resourceName: string, spec: object) =>
      new k8s.apiextensions.CustomResource(
        `${prefix}-${resourceName}-${kind.toLowerCase()}`,
        { apiVersion, kind, metadata: inNamespace(resourceName), spec },
        opts,
      );
    policy("Server", "policy.linkerd.io/v1beta3", svcName, {
      podSelector: { matchLabels: svc.podSelector },
      port: svc.port,
      proxyProtocol: svc.proxyProtocol ?? "unknown",
      accessPolicy: "deny",
    });
    policy("MeshTLSAuthentication", "policy.linkerd.io/v1alpha1", `${svcName}-clients`, {
      identities,
    });
    policy("AuthorizationPolicy", "policy.linkerd.io/v1alpha1", svcName, {
      targetRef: { group: "policy.linkerd.io", kind: "Server", name: svcName },
      requiredAuthenticationRefs: [
        { group: "policy.linkerd.io", kind: "MeshTLSAuthentication", name: `${svcName}-clients` },
      ],
    });
  }

  /**
   * What `linkerd viz allow-scrapes` emits (viz/cmd/allow-scrapes.go, edge-26.8.3), with the
   * HTTPRoutes at their storage version: Prometheus may read /metrics, the kubelet /live and
   * /ready, on every proxy's admin port.
   */
  private allowScrapes(
    prefix: string,
    inNamespace: (name: string, labels?: Record<string, string>) => Record<string, unknown>,
    opts: pulumi.CustomResourceOptions,
  ): void {
    const labels = { "linkerd.io/extension": "viz" };
    const cr = (
      suffix: string,
      apiVersion: string,
      kind: string,
      resourceName: string,
      spec: object,
    ) =>
      new k8s.apiextensions.CustomResource(
        `${prefix}-${suffix}`,
        { apiVersion, kind, metadata: inNamespace(resourceName, labels), spec },
        opts,
      );
    const parentRefs = [{ group: "policy.linkerd.io", kind: "Server", name: "proxy-admin" }];
    cr("proxy-admin-server", "policy.linkerd.io/v1beta3", "Server", "proxy-admin", {
      podSelector: {
        matchExpressions: [{ key: "linkerd.io/control-plane-ns", operator: "Exists" }],
      },
      port: "linkerd-admin",
      proxyProtocol: "HTTP/1",
    });
    cr("proxy-metrics-route", "policy.linkerd.io/v1beta3", "HTTPRoute", "proxy-metrics", {
      parentRefs,
      rules: [{ matches: [{ path: { value: "/metrics" } }] }],
    });
    cr("proxy-probes-route", "policy.linkerd.io/v1beta3", "HTTPRoute", "proxy-probes", {
      parentRefs,
      rules: [{ matches: [{ path: { value: "/live" } }, { path: { value: "/ready" } }] }],
    });
    cr(
      "prometheus-scrape-policy",
      "policy.linkerd.io/v1alpha1",
      "AuthorizationPolicy",
      "prometheus-scrape",
      {
        targetRef: { group: "policy.linkerd.io", kind: "HTTPRoute", name: "proxy-metrics" },
        requiredAuthenticationRefs: [
          { kind: "ServiceAccount", name: "prometheus", namespace: LINKERD_VIZ_NAMESPACE },
        ],
      },
    );
    cr("proxy-probes-policy", "policy.linkerd.io/v1alpha1", "AuthorizationPolicy", "proxy-probes", {
      targetRef: { group: "policy.linkerd.io", kind: "HTTPRoute", name: "proxy-probes" },
      requiredAuthenticationRefs: [
        {
          group: "policy.linkerd.io",
          kind: "NetworkAuthentication",
          name: "kubelet",
          namespace: LINKERD_VIZ_NAMESPACE,
        },
      ],
    });
  }

  /**
   * The cluster's Prometheus on the proxy-admin Server's /metrics route. It is unmeshed, so it
   * presents no identity: it is authenticated by network, like the kubelet in `allow-scrapes`, and
   * the `allow-prometheus` NetworkPolicy narrows the pod network to its pods.
   */
  private allowClusterPrometheus(
    prefix: string,
    podNetwork: pulumi.Input<string>,
    inNamespace: (name: string) => Record<string, unknown>,
    opts: pulumi.CustomResourceOptions,
  ): void {
    new k8s.apiextensions.CustomResource(
      `${prefix}-pod-network-authn`,
      {
        apiVersion: "policy.linkerd.io/v1alpha1",
        kind: "NetworkAuthentication",
        metadata: inNamespace("pod-network"),
        spec: { networks: [{ cidr: podNetwork }] },
      },
      opts,
    );
    new k8s.apiextensions.CustomResource(
      `${prefix}-cluster-prometheus-scrape-policy`,
      {
        apiVersion: "policy.linkerd.io/v1alpha1",
        kind: "AuthorizationPolicy",
        metadata: inNamespace("cluster-prometheus-scrape"),
        spec: {
          targetRef: { group: "policy.linkerd.io", kind: "HTTPRoute", name: "proxy-metrics" },
          requiredAuthenticationRefs: [
            { group: "policy.linkerd.io", kind: "NetworkAuthentication", name: "pod-network" },
          ],
        },
      },
      opts,
    );
  }
}
