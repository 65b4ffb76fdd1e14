import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { repository } from "../../../fixtures/ecr";
import { violationMessages } from "../../../lib/testing";
import { acmeEcrRepositoryEnforceImmutableTags as policy } from "./enforceImmutableTags";

const FIX = 'set it to "IMMUTABLE" so a pushed tag always names the same image.';

describe(policy.name, () => {
  test("passes a repository with immutable tags", async () => {
    assert.deepEqual(await violationMessages(policy, repository()), []);
  });

  test("reports mutable tags", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...repository(), imageTagMutability: "MUTABLE" }),
      [`imageTagMutability is "MUTABLE"; ${FIX}`],
    );
  });

  test("reports an unset mutability, which ECR treats as mutable", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...repository(), imageTagMutability: undefined }),
      [`imageTagMutability is not set (ECR's default is MUTABLE); ${FIX}`],
    );
  });

  test("reports immutability with exclusions", async () => {
    assert.deepEqual(
      await violationMessages(policy, {
        ...repository(),
        imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
      }),
      [`imageTagMutability is "IMMUTABLE_WITH_EXCLUSION"; ${FIX}`],
    );
  });
});
