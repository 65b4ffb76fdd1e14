/**
 * cert-manager, the controller that issues and rotates the mesh's identity issuer and webhook
 * certificates. Installed as a helm.v3.Release so its values are visible to the checks and the
 * policy pack; the chart version is pinned to the shared catalog.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../lib";

/** The namespace cert-manager runs in; its CA Issuers read Secrets from their own namespace. */
export const CERT_MANAGER_NAMESPACE = "cert-manager";

/**
 * Requests sized for a platform cluster of a few hundred certificates (the controller caches TLS
 * Secrets, so its memory grows with them); memory limits only, so CPU is never throttled.
 */
export const CERT_MANAGER_RESOURCES = {
  controller: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
  webhook: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
  cainjector: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "256Mi" } },
} as const;

/**
 * The PodMonitor of cert-manager's pods, in the monitoring namespace `namespace`. `Monitoring`
 * creates it once its CRDs are served (the chart's own ServiceMonitor stays off, see
 * {@link CertManagerArgs.serviceMonitor}). `honorLabels`: the certificate metrics carry each
 * Certificate's own `namespace` label, which the alerts select and group by (the Linkerd issuer's
 * is `linkerd`); without it Prometheus would rename it `exported_namespace` and put
 * `cert-manager` in its place.
 */
export function certManagerPodMonitor(namespace: string): Record<string, unknown> {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PodMonitor",
    metadata: { name: "cert-manager", namespace },
    spec: {
      namespaceSelector: { matchNames: [CERT_MANAGER_NAMESPACE] },
      selector: { matchLabels: { "app.kubernetes.io/instance": CHARTS.certManager.name } },
      podMetricsEndpoints: [
        { port: "http-metrics", path: "/metrics", interval: "60s", honorLabels: true },
      ],
    },
  };
}

/** Arguments of {@link CertManager}. */
export interface CertManagerArgs {
  /** The cluster's Kubernetes provider (EksCluster.kubernetesProvider). */
  provider: k8s.Provider;
  /**
   * Production layout from cert-manager's best-practice guide: 2 controllers, 3 webhooks and 2
   * CA injectors, each with a PodDisruptionBudget (minAvailable 1, the chart's default when
   * enabled). Off: one replica each and no budgets, which a single-node dev cluster needs.
   * https://cert-manager.io/docs/installation/best-practice/#high-availability
   */
  highAvailability: boolean;
  /**
   * Create the Prometheus Operator ServiceMonitor. Needs the monitoring CRDs, which arrive with the
   * observability stack, so it stays off until then.
   * @default false
   */
  serviceMonitor?: boolean;
}

/** The chart values for the given layout; exported so tests and checks see exactly what is set. */
export function certManagerValues(
  args: Pick<CertManagerArgs, "highAvailability" | "serviceMonitor">,
): Record<string, unknown> {
  const ha = args.highAvailability;
  const r = CERT_MANAGER_RESOURCES;
  return {
    // CRDs come with the chart and stay when the release is deleted (keep is the chart default,
    // set here because deleting the CRDs would delete every Certificate in the cluster).
    crds: { enabled: true, keep: true },
    global: { priorityClassName: "system-cluster-critical" },
    replicaCount: ha ? 2 : 1,
    podDisruptionBudget: { enabled: ha },
    resources: r.controller,
    prometheus: { enabled: true, servicemonitor: { enabled: args.serviceMonitor ?? false } },
    webhook: {
      replicaCount: ha ? 3 : 1,
      podDisruptionBudget: { enabled: ha },
      resources: r.webhook,
    },
    cainjector: {
      replicaCount: ha ? 2 : 1,
      podDisruptionBudget: { enabled: ha },
      resources: r.cainjector,
    },
  };
}

/**
 * cert-manager in its own namespace. The namespace is kept out of the mesh: its webhook is called
 * by the API server, which has no mesh identity.
 */
export class CertManager extends pulumi.ComponentResource {
  public readonly namespace: k8s.core.v1.Namespace;
  public readonly release: k8s.helm.v3.Release;
  /** The namespace name, for Issuers that must live beside cert-manager. */
  public readonly namespaceName: pulumi.Output<string>;

  constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("acme:mesh:CertManager", name, {}, opts);
    const childOpts = { parent: this, provider: args.provider };

    this.namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: CERT_MANAGER_NAMESPACE,
          annotations: { "linkerd.io/inject": "disabled" },
        },
      },
      childOpts,
    );

    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: CHARTS.certManager.name,
        chart: CHARTS.certManager.name,
        version: CHARTS.certManager.version,
        repositoryOpts: { repo: CHARTS.certManager.repo },
        namespace: this.namespace.metadata.name,
        createNamespace: false,
        atomic: true,
        cleanupOnFail: true,
        values: certManagerValues(args),
      },
      childOpts,
    );

    this.namespaceName = this.namespace.metadata.name;
    this.registerOutputs({ namespaceName: this.namespaceName, releaseStatus: this.release.status });
  }
}
