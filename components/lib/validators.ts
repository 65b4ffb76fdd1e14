/**
 * Name and code formats checked by more than one component or by the stack configuration. Each is
 * defined here once; the guard in `validators.test.ts` fails if a copy reappears elsewhere.
 */

/**
 * A Kubernetes DNS-1123 label: the form of namespace names, most object names and label values
 * that must be DNS-safe. At most {@link DNS_LABEL_MAX_LENGTH} characters of lower-case
 * alphanumerics or '-', starting and ending with an alphanumeric. The pattern carries the length
 * bound itself (`{0,61}` between the first and last character), so a test of the pattern alone is
 * the whole rule; it is the upstream pattern `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$` with the 63-character
 * maximum folded in.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names
 * @see https://github.com/kubernetes/apimachinery/blob/master/pkg/util/validation/validation.go (IsDNS1123Label)
 */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The valid form of a {@link DNS_LABEL}, for error messages that say how to fix a value. */
export const DNS_LABEL_FORM =
  "a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";

/** The maximum length of a DNS-1123 label (RFC 1123 §2.1; `DNS1123LabelMaxLength` upstream). */
export const DNS_LABEL_MAX_LENGTH = 63;

/**
 * An AWS Region code: a two-letter area, an optional partition marker (`-gov` for GovCloud,
 * `-iso`, `-isob`, `-isof`, ... for the isolated partitions), a direction or locality word and a
 * number: `eu-west-1`, `ap-southeast-2`, `cn-north-1`, `us-gov-west-1`, `us-isob-east-1`.
 * @see https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html
 */
export const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;

/**
 * A DNS-1123 subdomain (most Kubernetes object names): dot-separated labels, 253 characters at
 * most, as the API server's IsDNS1123Subdomain checks.
 */
export const DNS_SUBDOMAIN =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * A fully qualified, lower-case DNS host name with at least two labels and an alphabetic top-level
 * label (`service-a.internal.example.com`): what ACM certificates and Route 53 records take here.
 */
export const FQDN = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** An environment variable name: a C identifier, what shells and the kit's `envVar` names accept. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A Route 53 hosted zone ID (`Z` and up to 31 upper-case letters and digits). */
export const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;

/** A Go duration as time.ParseDuration reads it (Kubernetes `metav1.Duration`, Argo, ...). */
export const GO_DURATION = /^(-?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+|0)$/;

/** A Go duration longer than zero. */
export function isPositiveGoDuration(value: unknown): value is string {
  return (
    typeof value === "string" &&
    GO_DURATION.test(value) &&
    !value.startsWith("-") &&
    /[1-9]/.test(value)
  );
}

/**
 * A Prometheus duration in one unit (`5m`, `1h`): whole numbers only, as Prometheus's own parser
 * requires (it refuses `1.5m`).
 */
export const PROM_DURATION = /^\d+[smhd]$/;
/** How PROM_DURATION is described in errors. */
export const PROM_DURATION_FORM =
  'a Prometheus duration, a whole number and one of s, m, h, d, e.g. "5m"';

/**
 * Namespaces Kubernetes creates and owns in every cluster. Platform workloads must not be
 * installed into them: `default` is where unqualified objects land, and the `kube-*` namespaces
 * hold the control plane's own objects (`kube-system`), public cluster information
 * (`kube-public`) and node heartbeat Leases (`kube-node-lease`).
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/#initial-namespaces
 */
export const RESERVED_NAMESPACES: readonly string[] = Object.freeze([
  "default",
  "kube-system",
  "kube-public",
  "kube-node-lease",
]);

/** True when `value` is a string in DNS-1123 label form (see {@link DNS_LABEL}). */
export function isDnsLabel(value: unknown): value is string {
  return typeof value === "string" && DNS_LABEL.test(value);
}

/** True when `value` is a string in AWS Region code form (see {@link REGION}). */
export function isAwsRegion(value: unknown): value is string {
  return typeof value === "string" && REGION.test(value);
}

/** True when `value` names a namespace Kubernetes reserves (see {@link RESERVED_NAMESPACES}). */
export function isReservedNamespace(value: unknown): boolean {
  return typeof value === "string" && RESERVED_NAMESPACES.includes(value);
}

/** An AWS account ID: twelve digits. */
export const AWS_ACCOUNT_ID = /^\d{12}$/;
