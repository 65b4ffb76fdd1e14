/** Small readers for resource properties, which arrive as untyped JSON. */

/** True for a string with at least one non-blank character. */
export function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.trim().length > 0;
}

/** `undefined` and `null` both mean the property was not set. */
export function isUnset(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

/**
 * How a value reads in a violation message: `not set`, or its JSON form so that a string
 * `"false"` is told apart from a boolean `false`.
 */
export function describe(value: unknown): string {
  return isUnset(value) ? "not set" : `${JSON.stringify(value)}`;
}

/** A scalar-or-list JSON field (IAM `Action`, `Principal.AWS`) as a list of its strings. */
export function stringList(value: unknown): string[] {
  if (typeof value === "string") {
    return [value];
  }
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** True for a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An AWS managed key (`alias/aws/<service>`, by alias name or alias ARN): not ours to control. */
export function isAwsManagedKeyRef(value: string): boolean {
  return /(^|:)alias\/aws\//.test(value);
}

/** A Kubernetes object's `metadata.annotations`, or none when it has no such record. */
export function annotationsOf(props: Record<string, unknown>): Record<string, unknown> {
  const metadata: unknown = props.metadata;
  return isRecord(metadata) && isRecord(metadata.annotations) ? metadata.annotations : {};
}
