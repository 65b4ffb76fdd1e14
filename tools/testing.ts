/**
 * Helpers for tests that build components under the offline-plan mocks and inspect what was
 * registered. One Node test file runs in one process, so each file installs the mocks once.
 */
import * as assert from "node:assert/strict";
import { runSimulation, type EvaluationResult } from "@cloud-copilot/iam-simulate";
import type * as pulumi from "@pulumi/pulumi";
import type { ChartPin } from "../components/lib/charts";
import type { QueueArgs } from "../components/messaging/queue";
import { checkHelmValues } from "./checks/helmValues";
import {
  installMocks,
  MOCK_ACCOUNT_ID,
  PlatformMocks,
  type Capture,
  type CapturedResource,
} from "./mocks";

export const TEST_REGION = "eu-west-1";

/** The inputs a `helm.v3.Release` takes from its chart pin: chart, version and repository. */
export function pinnedChart(pin: ChartPin): {
  chart: string;
  version: string;
  repositoryOpts: { repo: string };
} {
  return { chart: pin.name, version: pin.version, repositoryOpts: { repo: pin.repo } };
}
export { MOCK_ACCOUNT_ID };

/** The value of an output, once the mocks resolve it. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise<T>((done) => output.apply((value) => done(value)));
}

/**
 * The arguments of a test `Queue` (the workflow-request contract, a 900 s visibility timeout for a
 * 600 s consumer, four days' retention, five receives), with `overrides`.
 */
export function testQueueArgs(kmsKeyArn: string, overrides: Partial<QueueArgs> = {}): QueueArgs {
  return {
    contract: "workflow-request",
    kmsKeyArn,
    visibilityTimeoutSeconds: 900,
    consumerProcessingTimeoutSeconds: 600,
    messageRetentionSeconds: 345600,
    deadLetter: { maxReceiveCount: 5 },
    region: TEST_REGION,
    ...overrides,
  };
}

/** Asserts each named Helm release sets only values its pinned chart has (`checkHelmValues`). */
export function assertChartHasValues(
  capture: Capture,
  pin: ChartPin,
  releaseNames: string[],
): void {
  for (const name of releaseNames) {
    const release = single(capture, "kubernetes:helm.sh/v3:Release", name);
    assert.deepEqual(
      checkHelmValues(pin.name, pin.version, release.inputs.values as Record<string, unknown>),
      [],
      `release ${name}`,
    );
  }
}

/** Installs the platform mocks for project `acme-platform`, stack `test`. */
export function mockPlatform(): Promise<Capture> {
  return installMocks(
    new PlatformMocks({ accountId: MOCK_ACCOUNT_ID, region: TEST_REGION }),
    "acme-platform",
    "test",
  );
}

/** Registered resources of one type whose URN lies under the named component instance. */
export function ofType(capture: Capture, type: string, under?: string): CapturedResource[] {
  return [...capture.resources.values()].filter(
    (r) => r.type === type && (under === undefined || r.parent === under),
  );
}

/** The single registered resource with this type and logical name. */
export function single(capture: Capture, type: string, name: string): CapturedResource {
  const found = [...capture.resources.values()].filter((r) => r.type === type && r.name === name);
  assert.equal(found.length, 1, `expected one ${type} named ${name}, found ${found.length}`);
  return found[0];
}

/** Parses a JSON policy document registered as a string input. */
export function policyOf(
  resource: CapturedResource,
  key = "policy",
): { Statement: Array<Record<string, unknown>> } {
  const text = resource.inputs[key];
  assert.equal(typeof text, "string", `${resource.name}.${key} is not a JSON string`);
  return JSON.parse(text as string) as { Statement: Array<Record<string, unknown>> };
}

/** An IAM decision: `"Allowed"`, `"ImplicitlyDenied"` or `"ExplicitlyDenied"`. */
export type IamDecision = EvaluationResult;

/** One request for {@link simulateIam}. */
export interface IamRequest {
  /** The caller's ARN, e.g. `arn:aws:iam::<account>:role/<name>`. */
  principal: string;
  /** The identity policies attached to the caller, keyed by policy name. */
  identityPolicies: Record<string, unknown>;
  /** The policy on the resource itself (bucket, queue or key policy), if AWS would consult one. */
  resourcePolicy?: unknown;
  action: string;
  /** The resource ARN; its account is {@link MOCK_ACCOUNT_ID}. */
  resource: string;
  /** Request context keys such as `aws:SecureTransport`; none by default. */
  context?: Record<string, string | string[]>;
}

/**
 * What AWS would decide for one request, evaluated by `@cloud-copilot/iam-simulate` over the given
 * policies, with no service or resource control policies. Fails the test if the simulator
 * rejects its input (e.g. a malformed policy) instead of returning a denial.
 */
export async function simulateIam(request: IamRequest): Promise<IamDecision> {
  const result = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: MOCK_ACCOUNT_ID },
        contextVariables: request.context ?? {},
      },
      identityPolicies: Object.entries(request.identityPolicies).map(([name, policy]) => ({
        name,
        policy,
      })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: request.resourcePolicy,
    },
    {},
  );
  if (result.resultType === "error") {
    assert.fail(`the simulation rejected its input: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult;
}
