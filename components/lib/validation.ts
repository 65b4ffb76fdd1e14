/**
 * Argument validation shared by components: collect every problem, then throw one
 * `pulumi.InputPropertiesError` (the engine pretty-prints each property path and reason).
 */
import * as pulumi from "@pulumi/pulumi";

export type ValidationError = pulumi.InputPropertyErrorDetails;

/** Throws one error listing every problem, or returns when there is none. */
export function throwIfInvalid(component: string, errors: ValidationError[]): void {
  if (errors.length === 0) return;
  throw new pulumi.InputPropertiesError({
    message:
      `${component}: ${errors.length} invalid argument${errors.length === 1 ? "" : "s"}:\n` +
      errors.map((e) => `  - ${e.propertyPath}: ${e.reason}`).join("\n"),
    errors,
  });
}
