/**
 * Test helpers: run one rule through the offline runner (the same calling convention CrossGuard
 * uses) against a single resource or a small stack. Only tests import this file.
 */
import type { AcmePolicy } from "./policy";
import { UNKNOWN } from "./policyInternals";
import { evaluateStackExport, type EvaluationResult, type ExportResource } from "./runner";

/**
 * An unknown value typed as `T`, to put into a typed fixture.
 * @internal Exported for tests only.
 */
export function unknownValue<T>(kind: keyof typeof UNKNOWN): T {
  return UNKNOWN[kind] as unknown as T;
}

/**
 * A PEM-shaped placeholder (not a key) for fixtures: `-----BEGIN <label>-----` ...
 * @internal Exported for tests only.
 */
export function fakePem(label: string, body: string): string {
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

/**
 * The URN a test resource gets.
 * @internal Exported for tests only.
 */
export function testUrn(type: string, name: string): string {
  return `urn:pulumi:test::acme-platform::${type}::${name}`;
}

/** JSON round trip, as an export stores it: `undefined` properties disappear. */
function asStored(props: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(props)) as Record<string, unknown>;
}

/**
 * Runs `policy` on one resource of `type` (the policy's type unless given) whose inputs and
 * outputs are `props`.
 * @internal Exported for tests only.
 */
export function evaluateProps(
  policy: AcmePolicy,
  props: object,
  config?: Record<string, unknown>,
  type = policy.resourceType,
): Promise<EvaluationResult> {
  const stored = asStored(props);
  const resource: ExportResource = {
    urn: testUrn(type, "subject"),
    type,
    custom: true,
    id: "subject-id",
    inputs: stored,
    outputs: stored,
  };
  return evaluateStackExport(
    { version: 3, deployment: { resources: [resource] } },
    { policies: [policy], config: config && { [policy.name]: config } },
  );
}

/**
 * The violation messages `policy` reports for one resource with `props` (of `type`, the policy's
 * type unless given).
 * @internal Exported for tests only.
 */
export async function violationMessages(
  policy: AcmePolicy,
  props: object,
  config?: Record<string, unknown>,
  type = policy.resourceType,
): Promise<string[]> {
  return (await evaluateProps(policy, props, config, type)).violations.map((v) => v.message);
}

/**
 * A resource of a small test stack.
 * @internal Exported for tests only.
 */
export interface StackMember {
  name: string;
  outputs: object;
  /** Provider URN; resources with different providers belong to different clusters. */
  provider?: string;
}

/**
 * Runs `policy` on a stack made of `members`, all of the policy's type.
 * @internal Exported for tests only.
 */
export function evaluateStack(
  policy: AcmePolicy,
  members: StackMember[],
): Promise<EvaluationResult> {
  const resources = members.map((m): ExportResource => ({
    urn: testUrn(policy.resourceType, m.name),
    type: policy.resourceType,
    custom: true,
    id: `${m.name}-id`,
    inputs: asStored(m.outputs),
    outputs: asStored(m.outputs),
    provider: m.provider && `${m.provider}::provider-id`,
  }));
  return evaluateStackExport({ version: 3, deployment: { resources } }, { policies: [policy] });
}
