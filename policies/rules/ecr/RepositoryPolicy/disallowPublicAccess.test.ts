import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type * as aws from "@pulumi/aws";
import type { Unwrap } from "@pulumi/pulumi";
import { violationMessages } from "../../../lib/testing";
import { acmeEcrRepositorypolicyDisallowPublicAccess as policy } from "./disallowPublicAccess";

const props = (statement: Record<string, unknown>): Unwrap<aws.ecr.RepositoryPolicyArgs> => ({
  repository: "service-a",
  policy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }),
});

const pull = {
  Sid: "Pull",
  Effect: "Allow",
  Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
};

describe(policy.name, () => {
  test("passes pulls by the organization's accounts", async () => {
    const org = {
      ...pull,
      Principal: "*",
      Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } },
    };
    assert.deepEqual(await violationMessages(policy, props(org)), []);
  });

  test("reports pulls by everyone", async () => {
    assert.deepEqual(await violationMessages(policy, props({ ...pull, Principal: "*" })), [
      'statement "Pull" allows Principal "*" without an account, organization or source condition; ' +
        "name the principals or add such a condition.",
    ]);
  });

  test("reports a policy that is not JSON instead of passing it", async () => {
    assert.deepEqual(await violationMessages(policy, { ...props(pull), policy: "{not json" }), [
      "policy is not a JSON policy document, so public access cannot be ruled out; pass the " +
        "document as a JSON string.",
    ]);
  });

  test("reports Allow with NotPrincipal, which grants every principal not listed", async () => {
    const allButOne = { ...pull, NotPrincipal: { AWS: "arn:aws:iam::111122223333:root" } };
    assert.deepEqual(await violationMessages(policy, props(allButOne)), [
      'statement "Pull" combines Allow with NotPrincipal, which grants access to every ' +
        "principal not listed; name the allowed principals in Principal instead.",
    ]);
  });
});
