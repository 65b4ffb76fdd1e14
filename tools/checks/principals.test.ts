import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { MOCK_ACCOUNT_ID } from "../mocks";
import { cachedPlan } from "../planCache";
import type { CheckedResource } from "./graph";
import { CROSS_CHECKS } from "./crossResource";
import { checkPrincipals } from "./principals";

const CONTEXT = { accountId: MOCK_ACCOUNT_ID, partition: "aws", region: "eu-west-1" };
const SLR = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;

function key(urn: string, principals: unknown[]): CheckedResource {
  return {
    urn,
    type: "aws:kms/key:Key",
    inputs: {
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: principals.map((Principal) => ({
          Effect: "Allow",
          Principal,
          Action: "kms:*",
          Resource: "*",
        })),
      }),
    },
  };
}

describe("principals check", () => {
  it("accepts the account, service principals, '*' and roles the graph creates", () => {
    const role: CheckedResource = {
      urn: "urn:role",
      type: "aws:iam/role:Role",
      inputs: {},
      outputs: { arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/app` },
    };
    const result = checkPrincipals(
      [
        role,
        key("urn:k", [
          { AWS: `arn:aws:iam::${MOCK_ACCOUNT_ID}:root` },
          { AWS: [MOCK_ACCOUNT_ID, "*"] },
          { Service: "logs.eu-west-1.amazonaws.com" },
          { AWS: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/app` },
        ]),
      ],
      CONTEXT,
    );
    assert.deepEqual(result, { checked: 4, errors: [] });
  });

  it("fails a principal that may not exist yet, naming the resource, the policy and the fix", () => {
    const result = checkPrincipals([key("urn:k", [{ AWS: SLR }])], CONTEXT);
    assert.deepEqual(result.errors, [
      `urn:k: its key policy names ${SLR}, which this stack does not create and which may not exist yet (AWS rejects a policy naming a missing principal); create it in the stack, name it by an aws:PrincipalArn condition on the account principal, or add it to ALWAYS_EXISTING_PRINCIPALS with the reason`,
    ]);
  });

  it("reads trust policies and secret-wrapped policies, and NotPrincipal", () => {
    const other = "arn:aws:iam::999999999999:role/elsewhere";
    const trust: CheckedResource = {
      urn: "urn:r",
      type: "aws:iam/role:Role",
      inputs: {
        assumeRolePolicy: {
          [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
          value: JSON.stringify({ Statement: { Effect: "Deny", NotPrincipal: { AWS: other } } }),
        },
      },
    };
    const errors = checkPrincipals([trust], CONTEXT).errors;
    assert.equal(errors.length, 1);
    assert.match(
      errors[0],
      /^urn:r: its trust policy names arn:aws:iam::999999999999:role\/elsewhere,/,
    );
  });

  it("is registered, passes on prod, and names the Auto Scaling role if the volumes key names it again", async () => {
    assert.ok(CROSS_CHECKS.some((c) => c.name === "principals"));
    const run = cachedPlan("prod");
    assert.deepEqual(checkPrincipals(run.checkable, CONTEXT).errors, []);
    // The volumes key before issue 9's fix named the service-linked role as its principal.
    const reverted = run.checkable.map((r) =>
      r.type === "aws:kms/key:Key" && r.urn.endsWith("::platform-volumes")
        ? {
            ...r,
            inputs: {
              ...r.inputs,
              policy: JSON.stringify({
                Statement: [
                  {
                    Effect: "Allow",
                    Principal: { AWS: SLR },
                    Action: "kms:Decrypt",
                    Resource: "*",
                  },
                ],
              }),
            },
          }
        : r,
    );
    const errors = checkPrincipals(reverted, CONTEXT).errors;
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(
      errors[0],
      /::platform-volumes: its key policy names .*AWSServiceRoleForAutoScaling/,
    );
  });
});
