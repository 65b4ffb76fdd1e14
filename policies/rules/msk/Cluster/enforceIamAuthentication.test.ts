import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mskCluster } from "../../../fixtures/msk";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeMskClusterEnforceIamAuthentication as policy } from "./enforceIamAuthentication";

const IAM_FIX =
  "set it to true so every client authenticates with IAM and is authorized per topic and group.";

describe(policy.name, () => {
  test("passes a cluster with IAM authentication only", async () => {
    assert.deepEqual(await violationMessages(policy, mskCluster()), []);
  });

  test("reports IAM authentication turned off", async () => {
    const cluster = mskCluster();
    cluster.clientAuthentication.sasl.iam = false;
    assert.deepEqual(await violationMessages(policy, cluster), [
      `clientAuthentication.sasl.iam is false; ${IAM_FIX}`,
    ]);
  });

  test("reports SCRAM in place of IAM", async () => {
    const cluster = mskCluster();
    cluster.clientAuthentication.sasl = { scram: true };
    assert.deepEqual(await violationMessages(policy, cluster), [
      `clientAuthentication.sasl.iam is not set; ${IAM_FIX}`,
    ]);
  });

  test("reports unauthenticated access left on", async () => {
    const cluster = mskCluster();
    cluster.clientAuthentication.unauthenticated = true;
    assert.deepEqual(await violationMessages(policy, cluster), [
      "clientAuthentication.unauthenticated is true; set it to false so no client can connect " +
        "without authenticating.",
    ]);
  });

  test("reports a cluster without client authentication, which admits every client", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...mskCluster(), clientAuthentication: undefined }),
      [
        "clientAuthentication.sasl.iam is not set (AWS default without clientAuthentication: no " +
          `authentication at all); ${IAM_FIX}`,
      ],
    );
  });

  test("passes an unset unauthenticated flag next to IAM", async () => {
    const cluster = mskCluster();
    cluster.clientAuthentication.unauthenticated = undefined;
    assert.deepEqual(await violationMessages(policy, cluster), []);
  });

  test("leaves an unknown IAM flag undecided instead of reporting it", async () => {
    const cluster = mskCluster();
    cluster.clientAuthentication.sasl.iam = unknownValue<boolean>("boolean");
    const result = await evaluateProps(policy, cluster);
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["boolean value at .clientAuthentication.sasl.iam can't be known during preview"],
    );
  });
});
