/**
 * Linkerd (open-source edge release, pinned) with its trust chain managed as code:
 *
 *   trust anchor (ECDSA P-256, @pulumi/tls, long-lived; key only in Pulumi state and one Secret)
 *     -> cert-manager CA Issuer in the linkerd namespace
 *       -> Certificate linkerd-identity-issuer (short-lived, rotated by cert-manager)
 *         -> workload certificates (issued by Linkerd's identity controller, 24h)
 *
 * The control plane reads the issuer from the Secret cert-manager writes
 * (`identity.issuer.scheme: kubernetes.io/tls`) and the trust bundle from the
 * `linkerd-identity-trust-roots` ConfigMap this component writes (`identity.externalCA: true`:
 * the chart then creates no ConfigMap of its own). The admission webhooks' serving certificates
 * come from cert-manager too, so no certificate the chart would generate (365 days, renewed only
 * by a `helm upgrade`) is left to expire.
 *
 * Sources (edge-26.8.3): linkerd2 charts/linkerd-control-plane/{values.yaml,values-ha.yaml,
 * templates/identity.yaml}, viz/charts/linkerd-viz/values-ha.yaml; linkerd.io/2-edge tasks
 * "Automatically Rotating Control Plane TLS Credentials" and "... Webhook TLS Credentials".
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { type ChartPin, CHARTS, DNS_LABEL, throwIfInvalid, type ValidationError } from "../lib";
import type { CertManager } from "./certManager";

/** Control-plane and viz namespaces (Linkerd's defaults; identities embed the first). */
export const LINKERD_NAMESPACE = "linkerd";
export const LINKERD_VIZ_NAMESPACE = "linkerd-viz";
/** Trust domain of every mesh identity (the chart's default, clusterDomain). */
export const LINKERD_TRUST_DOMAIN = "cluster.local";

/**
 * Lifetime of a workload certificate (chart default `identity.issuer.issuanceLifetime: 24h0m0s`).
 * The issuer must be renewed more than this before it expires, so every workload certificate it
 * signed expires before it does.
 */
export const WORKLOAD_CERT_LIFETIME_HOURS = 24;

/** Names of the trust-chain objects Linkerd looks for (fixed by the chart). */
export const TRUST_CHAIN = {
  anchorSecret: "linkerd-trust-anchor",
  anchorIssuer: "linkerd-trust-anchor",
  identityIssuerCertificate: "linkerd-identity-issuer",
  identityIssuerSecret: "linkerd-identity-issuer",
  trustRootsConfigMap: "linkerd-identity-trust-roots",
  anchorCommonName: `root.linkerd.${LINKERD_TRUST_DOMAIN}`,
  issuerCommonName: `identity.linkerd.${LINKERD_TRUST_DOMAIN}`,
} as const;

/** About ten years: the anchor is rotated by a planned procedure, never by expiry. */
export const DEFAULT_TRUST_ANCHOR_VALIDITY_HOURS = 87_600;
/** The identity issuer lifetime from Linkerd's cert-manager guide: 48h, renewed 25h before expiry. */
export const DEFAULT_ISSUER_VALIDITY = { durationHours: 48, renewBeforeHours: 25 } as const;
/** Webhook serving certificates (Linkerd's webhook guide) and the CA that signs them. */
export const WEBHOOK_CERT_VALIDITY = { duration: "24h0m0s", renewBefore: "1h0m0s" } as const;
export const WEBHOOK_CA_VALIDITY = { duration: "8760h0m0s", renewBefore: "720h0m0s" } as const;
/** The per-namespace webhook PKI: a self-signed Issuer, the CA Certificate, the CA Issuer. */
export const WEBHOOK_PKI = {
  selfSignedIssuer: "linkerd-webhook-selfsigned",
  caCertificate: "linkerd-webhook-ca",
  caIssuer: "linkerd-webhook-issuer",
} as const;

/** One admission webhook (or APIService) whose serving certificate cert-manager issues. */
interface WebhookCertificate {
  /** The chart's values key (`proxyInjector`, `tap`, ...). */
  valuesKey: string;
  /** Certificate name; `injectCaFrom` points at `<namespace>/<name>`. */
  certificate: string;
  /** The Secret the chart mounts (fixed by its templates). */
  secretName: string;
  /** The webhook Service; the certificate names `<service>.<namespace>.svc`. */
  service: string;
}

/** The control plane's webhooks (charts/linkerd-control-plane/templates/*-rbac.yaml). */
export const CONTROL_PLANE_WEBHOOKS: readonly WebhookCertificate[] = [
  {
    valuesKey: "proxyInjector",
    certificate: "linkerd-proxy-injector",
    secretName: "linkerd-proxy-injector-k8s-tls",
    service: "linkerd-proxy-injector",
  },
  {
    valuesKey: "profileValidator",
    certificate: "linkerd-sp-validator",
    secretName: "linkerd-sp-validator-k8s-tls",
    service: "linkerd-sp-validator",
  },
  {
    valuesKey: "policyValidator",
    certificate: "linkerd-policy-validator",
    secretName: "linkerd-policy-validator-k8s-tls",
    service: "linkerd-policy-validator",
  },
];

/** linkerd-viz's tap APIService and tap injector webhook (viz/charts/linkerd-viz/templates). */
export const VIZ_WEBHOOKS: readonly WebhookCertificate[] = [
  { valuesKey: "tap", certificate: "tap", secretName: "tap-k8s-tls", service: "tap" },
  {
    valuesKey: "tapInjector",
    certificate: "linkerd-tap-injector",
    secretName: "tap-injector-k8s-tls",
    service: "tap-injector",
  },
];

/**
 * Values keys the control-plane chart reads but does not default (commented out in its
 * values.yaml); checkHelmValues needs them listed.
 */
export const CONTROL_PLANE_FREE_FORM_VALUES = [
  "destinationResources",
  "identityResources",
  "proxyInjectorResources",
  "spValidatorResources",
] as const;

/**
 * The control plane's admin (metrics) ports as linkerd edge-26.8.3 names them
 * (charts/linkerd-control-plane/templates/destination.yaml: dest-admin, spval-admin, policy-admin;
 * identity.yaml: ident-admin; proxy-injector.yaml: injector-admin). The monitors check holds its
 * own reviewed copy of the chart's ports, so that this list is checked rather than trusted.
 */
export const LINKERD_CONTROL_PLANE_ADMIN_PORTS = [
  "dest-admin",
  "spval-admin",
  "policy-admin",
  "ident-admin",
  "injector-admin",
] as const;

/**
 * The PodMonitors of the mesh, in the monitoring namespace `namespace`: every meshed pod's proxy
 * and the control plane's admin ports. `Monitoring` creates them once its CRDs are served.
 */
export function linkerdPodMonitors(namespace: string): Record<string, unknown>[] {
  // Relabelings as in Linkerd's "Bringing your own Prometheus" scrape config: namespace, pod and
  // the workload labels the proxy's metrics are grouped by.
  const podLabels = [
    { sourceLabels: ["__meta_kubernetes_namespace"], targetLabel: "namespace" },
    { sourceLabels: ["__meta_kubernetes_pod_name"], targetLabel: "pod" },
    {
      action: "labelmap",
      regex: "__meta_kubernetes_pod_label_linkerd_io_proxy_(.+)",
    },
  ];
  return [
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: { name: "linkerd-proxy", namespace },
      spec: {
        namespaceSelector: { any: true },
        selector: {
          matchExpressions: [{ key: "linkerd.io/control-plane-ns", operator: "Exists" }],
        },
        podMetricsEndpoints: [
          { port: "linkerd-admin", path: "/metrics", interval: "30s", relabelings: podLabels },
        ],
      },
    },
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: { name: "linkerd-control-plane", namespace },
      spec: {
        namespaceSelector: { matchNames: [LINKERD_NAMESPACE] },
        selector: {
          matchExpressions: [{ key: "linkerd.io/control-plane-component", operator: "Exists" }],
        },
        // One endpoint per admin port: a pod without that port is dropped from that endpoint's job.
        podMetricsEndpoints: LINKERD_CONTROL_PLANE_ADMIN_PORTS.map((port) => ({
          port,
          path: "/metrics",
          interval: "30s",
        })),
      },
    },
  ];
}

/** Resources of each proxy the injector adds (`proxy.resources`); CPU is never limited. */
export interface ProxyResources {
  /** CPU request, e.g. "100m". */
  cpuRequest: string;
  /** Memory request, e.g. "20Mi". */
  memoryRequest: string;
  /** Memory limit, e.g. "250Mi"; at least the request. */
  memoryLimit: string;
}

/** Lifetime of the identity issuer certificate cert-manager issues from the anchor. */
export interface IssuerValidity {
  /** Lifetime in whole hours. */
  durationHours: number;
  /** Renewal this many hours before expiry; more than the 24h workload certificate lifetime. */
  renewBeforeHours: number;
}

/**
 * Where the proxies and controllers send their spans (`proxy.tracing.*` and `controller.tracing.*`
 * of the pinned control-plane chart, which replaced the linkerd-jaeger extension in edge-25.10.1).
 */
export interface MeshTracing {
  /** OTLP gRPC `host:port` of the collector, no scheme (the chart's `collector.endpoint`). */
  collectorEndpoint: string;
  /** The collector's service account and namespace: the mesh identity the proxies verify. */
  collectorServiceAccount: string;
  collectorNamespace: string;
}

/** Arguments of {@link Linkerd}. */
export interface LinkerdArgs {
  /** The cluster's Kubernetes provider. */
  provider: k8s.Provider;
  /** The cert-manager installation that issues and rotates the issuer; Linkerd waits for it. */
  certManager: CertManager;
  /**
   * Linkerd's HA layout (values-ha.yaml of the pinned charts): 3 replicas of each controller,
   * PodDisruptionBudgets, pod anti-affinity, maxUnavailable 1, controller resource requests and a
   * failing (not ignoring) injector webhook; viz gets budgets, anti-affinity and 3 tap replicas.
   */
  highAvailability: boolean;
  /** Resources of every meshed pod's proxy (differs per stack). */
  proxyResources: ProxyResources;
  /**
   * Validity of the self-signed trust anchor, in hours; at least a year, more than the issuer's.
   * @default 87600 (about ten years)
   */
  trustAnchorValidityHours?: number;
  /**
   * Identity issuer lifetime and renewal.
   * @default { durationHours: 48, renewBeforeHours: 25 }
   */
  issuerValidity?: IssuerValidity;
  /**
   * PEM certificates trusted besides the anchor, for the overlap of a trust-anchor rotation (the
   * previous anchor stays here until every proxy has restarted). Empty otherwise.
   * @default []
   */
  additionalTrustAnchorsPem?: pulumi.Input<string>[];
  /**
   * Export the proxies' and controllers' spans to this collector over OTLP. The proxies start no
   * traces: they add spans to requests that arrive with a sampled W3C `traceparent` (or B3).
   * Unset, the mesh exports no spans.
   */
  tracing?: MeshTracing;
}

const CPU = /^(\d+m|\d+(\.\d+)?)$/;
const MEMORY = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const MEMORY_UNITS: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

function memoryBytes(quantity: string): number {
  const [, number, unit] = /^(\d+(?:\.\d+)?)(\w*)$/.exec(quantity) ?? [];
  return Number(number) * MEMORY_UNITS[unit ?? ""];
}

const isWholeHours = (n: number) => Number.isInteger(n) && n > 0;
/** `host:port` without a scheme, as the proxy's OTLP exporter expects. */
const HOST_PORT = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?:\d{1,5}$/;

/** Validates {@link LinkerdArgs}; returns every problem. */
export function validateLinkerdArgs(args: LinkerdArgs): ValidationError[] {
  const errors: ValidationError[] = [];
  const proxy = args.proxyResources;
  if (!CPU.test(proxy.cpuRequest)) {
    errors.push({
      propertyPath: "proxyResources.cpuRequest",
      reason: `"${proxy.cpuRequest}" is not a CPU quantity; use millicores such as "100m"`,
    });
  }
  const memoryOk = (field: "memoryRequest" | "memoryLimit") => {
    if (MEMORY.test(proxy[field])) return true;
    errors.push({
      propertyPath: `proxyResources.${field}`,
      reason: `"${proxy[field]}" is not a memory quantity; use a size such as "64Mi"`,
    });
    return false;
  };
  if (
    memoryOk("memoryRequest") &&
    memoryOk("memoryLimit") &&
    memoryBytes(proxy.memoryRequest) > memoryBytes(proxy.memoryLimit)
  ) {
    errors.push({
      propertyPath: "proxyResources.memoryLimit",
      reason: `${proxy.memoryLimit} is below the request ${proxy.memoryRequest}`,
    });
  }

  const anchorHours = args.trustAnchorValidityHours ?? DEFAULT_TRUST_ANCHOR_VALIDITY_HOURS;
  if (!isWholeHours(anchorHours) || anchorHours < 8760) {
    errors.push({
      propertyPath: "trustAnchorValidityHours",
      reason: `must be whole hours, at least 8760 (a year): rotating the anchor restarts the whole mesh (got ${anchorHours})`,
    });
  }
  const issuer = args.issuerValidity ?? DEFAULT_ISSUER_VALIDITY;
  if (!isWholeHours(issuer.durationHours) || issuer.durationHours >= anchorHours) {
    errors.push({
      propertyPath: "issuerValidity.durationHours",
      reason: `must be whole hours, shorter than the trust anchor's ${anchorHours}h (got ${issuer.durationHours})`,
    });
  }
  if (
    !isWholeHours(issuer.renewBeforeHours) ||
    issuer.renewBeforeHours <= WORKLOAD_CERT_LIFETIME_HOURS
  ) {
    errors.push({
      propertyPath: "issuerValidity.renewBeforeHours",
      reason:
        `must be whole hours above the ${WORKLOAD_CERT_LIFETIME_HOURS}h workload certificate lifetime, ` +
        `so certificates signed by an issuer expire before it does (got ${issuer.renewBeforeHours})`,
    });
  } else if (
    isWholeHours(issuer.durationHours) &&
    issuer.renewBeforeHours >= issuer.durationHours
  ) {
    errors.push({
      propertyPath: "issuerValidity.renewBeforeHours",
      reason: `must be less than durationHours ${issuer.durationHours} (got ${issuer.renewBeforeHours})`,
    });
  }
  if (args.tracing) {
    const t = args.tracing;
    if (!HOST_PORT.test(t.collectorEndpoint)) {
      errors.push({
        propertyPath: "tracing.collectorEndpoint",
        reason: `must be host:port without a scheme, such as "collector.tracing.svc:4317" (got "${t.collectorEndpoint}")`,
      });
    }
    for (const field of ["collectorServiceAccount", "collectorNamespace"] as const) {
      if (!DNS_LABEL.test(t[field])) {
        errors.push({
          propertyPath: `tracing.${field}`,
          reason: `must be a Kubernetes name (lower-case letters, digits, "-"); got "${t[field]}"`,
        });
      }
    }
  }
  return errors;
}

/** Go duration text the API server returns for whole hours (`48h0m0s`). */
const hours = (h: number) => `${h}h0m0s`;

/** Values of the linkerd-control-plane chart for a layout; the trust bundle is passed in. */
export function controlPlaneValues(
  args: Pick<LinkerdArgs, "highAvailability" | "proxyResources" | "tracing">,
  trustAnchorsPem: string,
): Record<string, unknown> {
  const tracing = args.tracing;
  const webhooks = Object.fromEntries(
    CONTROL_PLANE_WEBHOOKS.map((w) => [
      w.valuesKey,
      { externalSecret: true, injectCaFrom: `${LINKERD_NAMESPACE}/${w.certificate}` },
    ]),
  );
  const values: Record<string, unknown> = {
    identityTrustAnchorsPEM: trustAnchorsPem,
    identity: { externalCA: true, issuer: { scheme: "kubernetes.io/tls" } },
    proxy: {
      resources: {
        cpu: { request: args.proxyResources.cpuRequest },
        memory: {
          request: args.proxyResources.memoryRequest,
          limit: args.proxyResources.memoryLimit,
        },
      },
      ...(tracing && {
        tracing: {
          enabled: true,
          collector: {
            endpoint: tracing.collectorEndpoint,
            meshIdentity: {
              serviceAccountName: tracing.collectorServiceAccount,
              namespace: tracing.collectorNamespace,
            },
          },
        },
      }),
    },
    ...webhooks,
    // The heartbeat CronJob reports usage to linkerd.io; the control plane needs no egress.
    disableHeartBeat: true,
  };
  // The controllers' own spans (destination, identity, ...) go to the same collector.
  const controllerTracing = tracing && {
    tracing: { enabled: true, collector: { endpoint: tracing.collectorEndpoint } },
  };
  if (controllerTracing) values.controller = controllerTracing;
  if (!args.highAvailability) return values;
  // values-ha.yaml of the pinned chart, except proxy resources (per stack, above) and the
  // `highAvailability` flag, which only `linkerd check` reads and the chart does not declare.
  const controller = {
    cpu: { limit: "", request: "100m" },
    memory: { limit: "250Mi", request: "50Mi" },
  };
  return {
    ...values,
    controllerReplicas: 3,
    enablePodDisruptionBudget: true,
    controller: { podDisruptionBudget: { maxUnavailable: 1 }, ...controllerTracing },
    deploymentStrategy: { rollingUpdate: { maxUnavailable: 1, maxSurge: "25%" } },
    enablePodAntiAffinity: true,
    webhookFailurePolicy: "Fail",
    destinationResources: controller,
    identityResources: {
      cpu: { limit: "", request: "100m" },
      memory: { limit: "250Mi", request: "10Mi" },
    },
    proxyInjectorResources: controller,
    spValidatorResources: controller,
  };
}

/** Values of the linkerd-viz chart for a layout. */
export function vizValues(args: Pick<LinkerdArgs, "highAvailability">): Record<string, unknown> {
  const webhooks = Object.fromEntries(
    VIZ_WEBHOOKS.map((w) => [
      w.valuesKey,
      { externalSecret: true, injectCaFrom: `${LINKERD_VIZ_NAMESPACE}/${w.certificate}` },
    ]),
  );
  // The namespace is created here with the metadata that job would add.
  const values: Record<string, unknown> = { ...webhooks, createNamespaceMetadataJob: false };
  if (!args.highAvailability) return values;
  // viz/charts/linkerd-viz/values-ha.yaml of the pinned release.
  const ha = { cpu: { limit: "", request: "100m" }, memory: { limit: "250Mi", request: "50Mi" } };
  return {
    ...values,
    enablePodAntiAffinity: true,
    enablePodDisruptionBudget: true,
    tap: { ...(values.tap as object), replicas: 3, resources: ha },
    dashboard: { resources: ha },
    prometheus: {
      resources: {
        cpu: { limit: "", request: "300m" },
        memory: { limit: "8192Mi", request: "300Mi" },
      },
    },
  };
}

/** The issuer Certificate's lifetime as cert-manager reads it. */
export interface IssuerCertificateValidity {
  /** `spec.duration` of the Certificate, e.g. "48h0m0s". */
  duration: string;
  /** `spec.renewBefore` of the Certificate, e.g. "25h0m0s". */
  renewBefore: string;
}

/**
 * Linkerd's CRDs, control plane and viz extension, with a project-owned trust anchor, an identity
 * issuer that cert-manager issues and rotates, and cert-manager-issued webhook certificates.
 */
export class Linkerd extends pulumi.ComponentResource {
  /** The trust anchor certificate (PEM), for multi-cluster trust and for checks. */
  public readonly trustAnchorPem: pulumi.Output<string>;
  /** RFC 3339 expiry of the trust anchor: alert well before it (rotation is a planned procedure). */
  public readonly trustAnchorNotAfter: pulumi.Output<string>;
  /** Name of the cert-manager Certificate of the identity issuer (namespace linkerd). */
  public readonly identityIssuerCertificateName: pulumi.Output<string>;
  /** Lifetime and renewal of the identity issuer certificate. */
  public readonly identityIssuerValidity: IssuerCertificateValidity;
  /** The control-plane namespace name. */
  public readonly namespaceName: pulumi.Output<string>;
  public readonly crdsRelease: k8s.helm.v3.Release;
  public readonly controlPlaneRelease: k8s.helm.v3.Release;
  public readonly vizRelease: k8s.helm.v3.Release;

  constructor(name: string, args: LinkerdArgs, opts?: pulumi.ComponentResourceOptions) {
    throwIfInvalid("Linkerd", validateLinkerdArgs(args));
    super("acme:mesh:Linkerd", name, {}, opts);

    const anchorHours = args.trustAnchorValidityHours ?? DEFAULT_TRUST_ANCHOR_VALIDITY_HOURS;
    const issuer = args.issuerValidity ?? DEFAULT_ISSUER_VALIDITY;
    const k8sOpts = { parent: this, provider: args.provider };

    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: LINKERD_NAMESPACE,
          // What the chart's own namespace template sets (applied only by the CLI); the
          // is-control-plane label also lets trust-manager find the namespace if it is added.
          labels: {
            "linkerd.io/is-control-plane": "true",
            "config.linkerd.io/admission-webhooks": "disabled",
            "linkerd.io/control-plane-ns": LINKERD_NAMESPACE,
            "pod-security.kubernetes.io/enforce": "privileged",
          },
          annotations: { "linkerd.io/inject": "disabled" },
        },
      },
      k8sOpts,
    );
    const vizNamespace = new k8s.core.v1.Namespace(
      `${name}-viz-namespace`,
      {
        metadata: {
          name: LINKERD_VIZ_NAMESPACE,
          labels: {
            "linkerd.io/extension": "viz",
            "pod-security.kubernetes.io/enforce": "privileged",
          },
        },
      },
      k8sOpts,
    );
    const ns = namespace.metadata.name;
    const vizNs = vizNamespace.metadata.name;

    // The trust anchor. Its key leaves Pulumi's (encrypted) state only for the Secret the CA
    // Issuer reads; Linkerd itself never needs it.
    const anchorKey = new tls.PrivateKey(
      `${name}-trust-anchor`,
      { algorithm: "ECDSA", ecdsaCurve: "P256" },
      { parent: this },
    );
    const anchor = new tls.SelfSignedCert(
      `${name}-trust-anchor`,
      {
        privateKeyPem: anchorKey.privateKeyPem,
        isCaCertificate: true,
        setSubjectKeyId: true,
        validityPeriodHours: anchorHours,
        allowedUses: ["cert_signing", "crl_signing", "server_auth", "client_auth"],
        subject: { commonName: TRUST_CHAIN.anchorCommonName },
      },
      { parent: this },
    );
    const anchorSecret = new k8s.core.v1.Secret(
      `${name}-trust-anchor`,
      {
        metadata: { name: TRUST_CHAIN.anchorSecret, namespace: ns },
        type: "kubernetes.io/tls",
        stringData: {
          "tls.crt": anchor.certPem,
          "tls.key": pulumi.secret(anchorKey.privateKeyPem),
        },
      },
      k8sOpts,
    );
    // Every cert-manager resource waits for cert-manager itself: its CRDs and webhook.
    const anchorIssuer = new k8s.apiextensions.CustomResource(
      `${name}-trust-anchor-issuer`,
      {
        apiVersion: "cert-manager.io/v1",
        kind: "Issuer",
        metadata: { name: TRUST_CHAIN.anchorIssuer, namespace: ns },
        spec: { ca: { secretName: TRUST_CHAIN.anchorSecret } },
      },
      { ...k8sOpts, dependsOn: [args.certManager, anchorSecret] },
    );
    this.identityIssuerValidity = {
      duration: hours(issuer.durationHours),
      renewBefore: hours(issuer.renewBeforeHours),
    };
    const issuerCertificate = new k8s.apiextensions.CustomResource(
      `${name}-identity-issuer`,
      {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: {
          name: TRUST_CHAIN.identityIssuerCertificate,
          namespace: ns,
          // The control plane must not start before the issuer Secret exists.
          annotations: { "pulumi.com/waitFor": "condition=Ready" },
        },
        spec: {
          secretName: TRUST_CHAIN.identityIssuerSecret,
          isCA: true,
          commonName: TRUST_CHAIN.issuerCommonName,
          dnsNames: [TRUST_CHAIN.issuerCommonName],
          ...this.identityIssuerValidity,
          // cert-manager >= 1.18 defaults to Always; explicit so a new key comes with each renewal.
          privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
          usages: ["cert sign", "crl sign", "server auth", "client auth"],
          issuerRef: { group: "cert-manager.io", kind: "Issuer", name: TRUST_CHAIN.anchorIssuer },
        },
      },
      { ...k8sOpts, dependsOn: [args.certManager, anchorIssuer] },
    );

    // With identity.externalCA the chart leaves the trust bundle to us: the anchor, plus any
    // anchor kept during a rotation.
    const trustAnchorsPem = pulumi
      .all([anchor.certPem, ...(args.additionalTrustAnchorsPem ?? [])])
      // Empty entries are dropped (a provider that has not computed the PEM, as under mocks).
      .apply((pems) =>
        pems
          .filter((p): p is string => typeof p === "string" && p.trim() !== "")
          .map((p) => `${p.trim()}\n`)
          .join(""),
      );
    const trustRoots = new k8s.core.v1.ConfigMap(
      `${name}-trust-roots`,
      {
        metadata: {
          name: TRUST_CHAIN.trustRootsConfigMap,
          namespace: ns,
          labels: {
            "linkerd.io/control-plane-component": "identity",
            "linkerd.io/control-plane-ns": LINKERD_NAMESPACE,
          },
        },
        data: { "ca-bundle.crt": trustAnchorsPem },
      },
      k8sOpts,
    );

    const controlPlaneWebhookCerts = this.webhookCertificates(
      `${name}-webhook`,
      { name: ns, literal: LINKERD_NAMESPACE },
      CONTROL_PLANE_WEBHOOKS,
      args,
    );
    const vizWebhookCerts = this.webhookCertificates(
      `${name}-viz-webhook`,
      { name: vizNs, literal: LINKERD_VIZ_NAMESPACE },
      VIZ_WEBHOOKS,
      args,
    );

    const release = (chart: ChartPin) => ({
      name: chart.name,
      chart: chart.name,
      version: chart.version,
      repositoryOpts: { repo: chart.repo },
      createNamespace: false,
      atomic: true,
      cleanupOnFail: true,
    });
    this.crdsRelease = new k8s.helm.v3.Release(
      `${name}-crds`,
      {
        ...release(CHARTS.linkerdCrds),
        namespace: ns,
        // Gateway API CRDs are owned outside Linkerd from 2.19 on; the policy controller watches
        // them only when present.
        values: { installGatewayAPI: false },
      },
      k8sOpts,
    );
    this.controlPlaneRelease = new k8s.helm.v3.Release(
      `${name}-control-plane`,
      {
        ...release(CHARTS.linkerdControlPlane),
        namespace: ns,
        values: trustAnchorsPem.apply((pem) => controlPlaneValues(args, pem)),
      },
      {
        ...k8sOpts,
        dependsOn: [
          args.certManager,
          this.crdsRelease,
          issuerCertificate,
          trustRoots,
          ...controlPlaneWebhookCerts,
        ],
      },
    );
    this.vizRelease = new k8s.helm.v3.Release(
      `${name}-viz`,
      { ...release(CHARTS.linkerdViz), namespace: vizNs, values: vizValues(args) },
      { ...k8sOpts, dependsOn: [this.controlPlaneRelease, ...vizWebhookCerts] },
    );

    this.trustAnchorPem = anchor.certPem;
    this.trustAnchorNotAfter = anchor.validityEndTime;
    this.identityIssuerCertificateName = issuerCertificate.metadata.name;
    this.namespaceName = ns;
    this.registerOutputs({
      trustAnchorPem: this.trustAnchorPem,
      trustAnchorNotAfter: this.trustAnchorNotAfter,
      identityIssuerCertificateName: this.identityIssuerCertificateName,
      identityIssuerValidity: this.identityIssuerValidity,
      namespaceName: this.namespaceName,
    });
  }

  /**
   * A webhook CA per namespace (self-signed by cert-manager, renewed yearly) and one serving
   * certificate per webhook, which cert-manager's CA injector copies into the webhook
   * configuration (`injectCaFrom`). The CA outlives its daily-renewed leaves, so the injected
   * bundle changes once a year, not on every renewal.
   */
  private webhookCertificates(
    prefix: string,
    namespace: { name: pulumi.Output<string>; literal: string },
    webhooks: readonly WebhookCertificate[],
    args: Pick<LinkerdArgs, "provider" | "certManager">,
  ): k8s.apiextensions.CustomResource[] {
    const after = (...resources: pulumi.Resource[]): pulumi.CustomResourceOptions => ({
      parent: this,
      provider: args.provider,
      dependsOn: [args.certManager, ...resources],
    });
    const certManagerResource = (kind: string, name: string, spec: Record<string, unknown>) => ({
      apiVersion: "cert-manager.io/v1",
      kind,
      metadata: { name, namespace: namespace.name },
      spec,
    });
    const privateKey = { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" };
    const selfSigned = new k8s.apiextensions.CustomResource(
      `${prefix}-selfsigned`,
      certManagerResource("Issuer", WEBHOOK_PKI.selfSignedIssuer, { selfSigned: {} }),
      after(),
    );
    const ca = new k8s.apiextensions.CustomResource(
      `${prefix}-ca`,
      certManagerResource("Certificate", WEBHOOK_PKI.caCertificate, {
        secretName: WEBHOOK_PKI.caCertificate,
        isCA: true,
        commonName: `webhook.${namespace.literal}.${LINKERD_TRUST_DOMAIN}`,
        ...WEBHOOK_CA_VALIDITY,
        privateKey,
        issuerRef: { group: "cert-manager.io", kind: "Issuer", name: WEBHOOK_PKI.selfSignedIssuer },
      }),
      after(selfSigned),
    );
    const caIssuer = new k8s.apiextensions.CustomResource(
      `${prefix}-issuer`,
      certManagerResource("Issuer", WEBHOOK_PKI.caIssuer, {
        ca: { secretName: WEBHOOK_PKI.caCertificate },
      }),
      after(ca),
    );
    return webhooks.map((w) => {
      const host = `${w.service}.${namespace.literal}.svc`;
      const certificate = certManagerResource("Certificate", w.certificate, {
        secretName: w.secretName,
        commonName: host,
        dnsNames: [host],
        isCA: false,
        ...WEBHOOK_CERT_VALIDITY,
        // PKCS#8 as Linkerd's webhook guide sets for the (Rust) policy validator; the Go
        // webhooks read it as well.
        privateKey: { ...privateKey, encoding: "PKCS8" },
        usages: ["server auth"],
        issuerRef: { group: "cert-manager.io", kind: "Issuer", name: WEBHOOK_PKI.caIssuer },
      });
      return new k8s.apiextensions.CustomResource(
        `${prefix}-${w.certificate}`,
        {
          ...certificate,
          metadata: {
            ...certificate.metadata,
            // The chart mounts the Secret; its release waits until the certificate is issued.
            annotations: { "pulumi.com/waitFor": "condition=Ready" },
          },
        },
        after(caIssuer),
      );
    });
  }
}
