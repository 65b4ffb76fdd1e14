import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ECR_LIFECYCLE_POLICY,
  ECR_REPOSITORY,
  ecrStack,
  lifecyclePolicy,
  repository,
} from "../../../fixtures/ecr";
import { evaluateSqsStack, type StackResource } from "../../../fixtures/sqs";
import { testUrn, unknownValue } from "../../../lib/testing";
import { acmeEcrRepositoryMissingLifecyclePolicy as policy } from "./missingLifecyclePolicy";

const MESSAGE = (name: string) =>
  `ECR repository ${name} has no lifecycle policy; add an aws.ecr.LifecyclePolicy whose ` +
  "repository is this repository's name, so old images expire.";

async function violations(resources: StackResource[]): Promise<[string | undefined, string][]> {
  return (await evaluateSqsStack(policy, resources)).violations.map((v) => [v.urn, v.message]);
}

describe(policy.name, () => {
  test("passes a repository with its lifecycle policy", async () => {
    assert.deepEqual(await violations(ecrStack()), []);
  });

  test("reports a repository without a lifecycle policy", async () => {
    assert.deepEqual(
      await violations([{ type: ECR_REPOSITORY, name: "worker", outputs: repository("worker") }]),
      [[testUrn(ECR_REPOSITORY, "worker"), MESSAGE("worker")]],
    );
  });

  test("reports a repository whose only lifecycle policy belongs to another repository", async () => {
    assert.deepEqual(
      await violations([
        ...ecrStack("service-a"),
        { type: ECR_REPOSITORY, name: "worker", outputs: repository("worker") },
        { type: ECR_LIFECYCLE_POLICY, name: "stray", outputs: lifecyclePolicy("service-a") },
      ]),
      [[testUrn(ECR_REPOSITORY, "worker"), MESSAGE("worker")]],
    );
  });

  test("leaves a repository whose name is not known yet undecided", async () => {
    const result = await evaluateSqsStack(policy, [
      {
        type: ECR_REPOSITORY,
        name: "worker",
        outputs: { ...repository(), name: unknownValue<string>("string") },
      },
    ]);
    assert.deepEqual(result.violations, []);
    assert.equal(result.undecidable.length, 1);
  });
});
