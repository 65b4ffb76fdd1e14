/**
 * The shape every acme policy shares, and the two helpers rules use to bind a validation to one
 * Pulumi type token. Rules match on type strings rather than resource classes because the pack is
 * installed without @pulumi/aws or @pulumi/kubernetes.
 */
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidation,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { withPulumiType } from "./policyInternals";

/** Metadata each acme policy declares on top of the CrossGuard fields. */
export interface AcmePolicyMetadata {
  /** Ids from `shared/security-controls.json` that this policy enforces. */
  controls: string[];
  /**
   * Why no shared control covers this policy, when `controls` is empty: the rule enforces a
   * requirement of the platform (an issue's acceptance list) that the control set lacks.
   */
  controlGap?: string;
  /** The highest severity among `controls` (the pack's judgement when there are none). */
  severity: Severity;
  /** The Pulumi type token the policy inspects, e.g. `aws:kms/key:Key`. */
  resourceType: string;
}

/** A per-resource acme policy. */
export type AcmeResourcePolicy = ResourceValidationPolicy & AcmePolicyMetadata;

/** A whole-stack acme policy. */
export type AcmeStackPolicy = StackValidationPolicy & AcmePolicyMetadata;

/** Any acme policy. */
export type AcmePolicy = AcmeResourcePolicy | AcmeStackPolicy;

/**
 * Runs `validate` only for resources of `resourceType`. The validation carries the type tag
 * `validateResourceOfType` attaches: CrossGuard reads it to skip other types without a call.
 */
export function validateResourceType(
  resourceType: string,
  validate: (args: ResourceValidationArgs, reportViolation: ReportViolation) => void,
): ResourceValidation {
  const validation: ResourceValidation = (args, reportViolation) => {
    if (args.type === resourceType) {
      validate(args, reportViolation);
    }
  };
  return withPulumiType(validation, resourceType);
}

/** Runs `validate` with the stack's resources of `resourceType`, when there are any. */
export function validateStackResourcesType(
  resourceType: string,
  validate: (
    resources: PolicyResource[],
    args: StackValidationArgs,
    reportViolation: ReportViolation,
  ) => void,
): StackValidation {
  const validation: StackValidation = (args, reportViolation) => {
    const resources = args.resources.filter((r) => r.type === resourceType);
    if (resources.length > 0) {
      validate(resources, args, reportViolation);
    }
  };
  return withPulumiType(validation, resourceType);
}
