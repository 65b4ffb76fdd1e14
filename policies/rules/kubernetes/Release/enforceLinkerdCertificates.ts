import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { K8S_HELM_RELEASE as HELM_RELEASE } from "../../../lib/resourceTypes";
import { describe, isNonEmptyString, isRecord } from "../../../lib/values";

const CONTROL_PLANE = "linkerd-control-plane";
const VIZ = "linkerd-viz";

/** The values keys of each chart's admission webhooks (and viz's tap APIService). */
const WEBHOOKS: Record<string, string[]> = {
  [CONTROL_PLANE]: ["proxyInjector", "profileValidator", "policyValidator"],
  [VIZ]: ["tap", "tapInjector"],
};

const isCertificatePem = (v: unknown) =>
  isNonEmptyString(v) && v.includes("-----BEGIN CERTIFICATE-----");

/**
 * The chart name of a release's `chart`: `linkerd/linkerd-control-plane`, an OCI reference and a
 * `.../linkerd-control-plane-2026.8.3.tgz` URL all name `linkerd-control-plane`.
 */
function chartName(chart: unknown): string {
  if (typeof chart !== "string") {
    return "";
  }
  const last = chart.split("/").pop() ?? "";
  return last.replace(/\.tgz$/, "").replace(/-v?\d+\.\d+\.\d+.*$/, "");
}

const record = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});

/** True when a webhook's serving certificate comes from the project rather than the chart. */
function webhookFromProject(values: Record<string, unknown>): boolean {
  const injected =
    isNonEmptyString(values.injectCaFrom) ||
    isNonEmptyString(values.injectCaFromSecret) ||
    isCertificatePem(values.caBundle);
  const given =
    isCertificatePem(values.crtPEM) &&
    isNonEmptyString(values.keyPEM) &&
    isCertificatePem(values.caBundle);
  return (values.externalSecret === true && injected) || given;
}

/**
 * The Linkerd control plane must get every certificate from the project, never from chart
 * defaults: proxies trust only the project's anchor (`identityTrustAnchorsPEM`), the identity
 * issuer is read from the Secret cert-manager issues and rotates (`identity.issuer.scheme:
 * kubernetes.io/tls`, with `identity.externalCA` for the trust bundle) or given explicitly, and
 * each admission webhook (and viz's tap APIService) serves a certificate the project manages.
 * Otherwise the chart generates webhook certificates valid for 365 days that only a `helm upgrade`
 * renews: the classic mesh outage.
 *
 * No control in the shared control set covers Helm releases or the mesh trust chain, so
 * `controls` is empty and the severity is the pack's judgement.
 *
 * @severity high
 * @link https://linkerd.io/2-edge/tasks/automatically-rotating-control-plane-tls-credentials/
 */
export const acmeKubernetesReleaseEnforceLinkerdCertificates: AcmeResourcePolicy = {
  name: "acme-kubernetes-release-enforce-linkerd-certificates",
  description:
    "Requires Linkerd control-plane and viz releases to take their trust anchor, identity issuer and webhook certificates from the project instead of chart defaults.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: [],
  controlGap:
    "The shared control set has no control for Helm releases or a service mesh trust chain; the mesh issue requires the Linkerd control plane to get its certificates from the project.",
  resourceType: HELM_RELEASE,
  validateResource: validateResourceType(HELM_RELEASE, (args, reportViolation) => {
    const chart = chartName(args.props.chart);
    if (!(chart in WEBHOOKS)) {
      args.notApplicable(`Only ${CONTROL_PLANE} and ${VIZ} releases are checked.`);
    }
    const values = record(args.props.values);
    if (chart === CONTROL_PLANE) {
      const anchors = values.identityTrustAnchorsPEM;
      if (!isCertificatePem(anchors)) {
        reportViolation(
          `values.identityTrustAnchorsPEM is ${describe(anchors)}; set it to the project's trust ` +
            "anchor certificate (PEM) so proxies trust only the project's root.",
        );
      }
      const identity = record(values.identity);
      const issuer = record(identity.issuer);
      const tls = record(issuer.tls);
      const fromSecret = issuer.scheme === "kubernetes.io/tls";
      const given = isCertificatePem(tls.crtPEM) && isNonEmptyString(tls.keyPEM);
      if (!fromSecret && !given) {
        reportViolation(
          `values.identity.issuer.scheme is ${describe(issuer.scheme)} and no issuer certificate ` +
            'and key are given; set the scheme to "kubernetes.io/tls" to read the issuer that ' +
            "cert-manager issues from the project's anchor, or give tls.crtPEM and tls.keyPEM.",
        );
      }
    }
    for (const key of WEBHOOKS[chart]) {
      if (!webhookFromProject(record(values[key]))) {
        reportViolation(
          `values.${key} leaves the serving certificate to the chart (generated for 365 days, ` +
            `renewed only by an upgrade); set ${key}.externalSecret to true with ` +
            `${key}.injectCaFrom naming a cert-manager Certificate, or give crtPEM, keyPEM and caBundle.`,
        );
      }
    }
  }),
};
