/**
 * Tags every AWS resource carries. They are applied once, as the explicit AWS provider's
 * `defaultTags`, so no component repeats them; components add only resource-specific tags.
 */

/** The tags for a stack: who owns it, which environment, and that Pulumi manages it. */
export function baseTags(
  project: string,
  environment: string,
  extra: Record<string, string>,
): Record<string, string> {
  return { ...extra, Project: project, Environment: environment, ManagedBy: "pulumi" };
}
