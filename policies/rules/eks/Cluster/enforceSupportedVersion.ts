import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { EKS_CLUSTER } from "../../../lib/resourceTypes";
import { describe } from "../../../lib/values";

/** `1.34` -> [1, 34]; undefined for anything else. */
function parseVersion(value: unknown): [number, number] | undefined {
  const match = typeof value === "string" ? /^(\d+)\.(\d+)$/.exec(value) : null;
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

function older(a: [number, number], b: [number, number]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}

/**
 * A dated exception for one version past its standard support: the stack upgrades by `until`
 * (a UTC day, inclusive), for `reason`. After that day the version fails again.
 */
interface UpgradeWindow {
  version: string;
  until: string;
  reason: string;
}

/**
 * What is wrong with a configured window, or undefined when it is well formed. Its version must be
 * the one minor version just before `oldest`, the one that has just left standard support: a
 * window cannot keep a stack further behind.
 */
function upgradeWindowProblem(w: UpgradeWindow, oldest: [number, number]): string | undefined {
  const version = parseVersion(w.version);
  if (version === undefined) return `version must be a minor version such as "1.34"`;
  if (version[0] !== oldest[0] || version[1] !== oldest[1] - 1) {
    const previous = oldest[1] > 0 ? `"${oldest[0]}.${oldest[1] - 1}"` : "none";
    return `version ${describe(w.version)} is not the one minor version before the oldest supported ${oldest.join(".")} (${previous}); upgrade instead`;
  }
  if (typeof w.until !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(w.until)) {
    return "until must be a day such as 2027-02-28";
  }
  if (typeof w.reason !== "string" || w.reason.trim().length < 20) {
    return "reason must say why and how the upgrade happens (20 characters or more)";
  }
  return undefined;
}

/** The config of {@link acmeEksClusterEnforceSupportedVersion}. */
interface SupportedVersionConfig {
  oldestSupportedVersion: string;
  upgradeWindows: UpgradeWindow[];
}

/**
 * The rule, with the clock it compares an upgrade window's `until` to (a parameter so that tests
 * fix the day; the pack uses the real one).
 */
export function enforceSupportedVersion(now: () => Date): AcmeResourcePolicy {
  return {
    name: "acme-eks-cluster-enforce-supported-version",
    description:
      "Requires EKS clusters to pin a Kubernetes version in EKS standard support, or one past it only inside a dated upgrade window.",
    enforcementLevel: "mandatory",
    severity: "high",
    controls: ["EKS.2"],
    resourceType: EKS_CLUSTER,
    configSchema: {
      properties: {
        oldestSupportedVersion: {
          type: "string",
          pattern: "^\\d+\\.\\d+$",
          // The oldest version in EKS standard support on 2026-12-06: 1.34's ended on 2026-12-02
          // (Amazon EKS Kubernetes release calendar,
          // https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html); 1.35's
          // ends on 2027-03-27. Extended support does not count: Security Hub's EKS.2 fails it.
          // Raise it when that date passes.
          default: "1.35",
          description: "The oldest Kubernetes minor version in EKS standard support.",
        },
        upgradeWindows: {
          type: "array",
          default: [],
          items: {
            type: "object",
            additionalProperties: false,
            required: ["version", "until", "reason"],
            properties: {
              version: { type: "string", pattern: "^\\d+\\.\\d+$" },
              until: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
              reason: { type: "string", minLength: 20 },
            },
          },
          description:
            "The one minor version before oldestSupportedVersion, allowed until a UTC day (inclusive), with the reason and the upgrade plan.",
        },
      },
    },
    validateResource: validateResourceType(EKS_CLUSTER, (args, reportViolation) => {
      const { oldestSupportedVersion, upgradeWindows } = args.getConfig<SupportedVersionConfig>();
      const oldest = parseVersion(oldestSupportedVersion) ?? [0, 0];
      // The CLI validates the config against the schema; the offline runner checks types only.
      for (const [i, w] of (upgradeWindows ?? []).entries()) {
        const problem = upgradeWindowProblem(w, oldest);
        if (problem) {
          reportViolation(`the policy config's upgradeWindows[${i}] ${problem}.`);
          return;
        }
      }
      const version = parseVersion(args.props.version);
      if (version !== undefined && !older(version, oldest)) return;
      const fix = `pin a Kubernetes version in EKS standard support, ${oldestSupportedVersion} or newer`;
      const window = (upgradeWindows ?? []).find((w) => w.version === args.props.version);
      if (version !== undefined && window !== undefined) {
        const today = now().toISOString().slice(0, 10);
        if (today <= window.until) return;
        reportViolation(
          `version is ${describe(args.props.version)}, whose upgrade window closed on ${window.until}; ${fix}.`,
        );
        return;
      }
      reportViolation(`version is ${describe(args.props.version)}; ${fix}.`);
    }),
  };
}

/**
 * EKS clusters must pin `version` to a Kubernetes minor version in EKS standard support, at least
 * `oldestSupportedVersion` (config; raise it as EKS retires versions, from the release calendar
 * linked below). Unset is reported: EKS then picks its default, which drifts. A stack whose
 * version has just left standard support (the one minor version before `oldestSupportedVersion`,
 * no older) may name it in `upgradeWindows` with a day and a reason;
 * the version passes until that day and fails after it, so the exception cannot outlive its plan.
 *
 * @severity high
 * @link https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html
 */
export const acmeEksClusterEnforceSupportedVersion: AcmeResourcePolicy = enforceSupportedVersion(
  () => new Date(),
);
