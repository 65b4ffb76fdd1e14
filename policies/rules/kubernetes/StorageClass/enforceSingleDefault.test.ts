import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defaultStorageClass, storageClass } from "../../../fixtures/kubernetes";
import { evaluateStack, testUrn, unknownValue } from "../../../lib/testing";
import { acmeKubernetesStorageclassEnforceSingleDefault as policy } from "./enforceSingleDefault";

const CLUSTER_A = "urn:pulumi:test::acme-platform::pulumi:providers:kubernetes::cluster-a";
const CLUSTER_B = "urn:pulumi:test::acme-platform::pulumi:providers:kubernetes::cluster-b";

describe(policy.name, () => {
  test("passes one default class beside a non-default one", async () => {
    const result = await evaluateStack(policy, [
      { name: "gp3", outputs: defaultStorageClass("gp3"), provider: CLUSTER_A },
      { name: "io2", outputs: storageClass(), provider: CLUSTER_A },
    ]);
    assert.deepEqual(result.violations, []);
  });

  test("reports each of two default classes in the same cluster", async () => {
    const result = await evaluateStack(policy, [
      { name: "gp3", outputs: defaultStorageClass("gp3"), provider: CLUSTER_A },
      { name: "io2", outputs: defaultStorageClass("io2"), provider: CLUSTER_A },
    ]);
    const message = (name: string) =>
      `StorageClass ${name} is one of 2 default StorageClasses for the same cluster (gp3, io2); ` +
      "keep the is-default-class annotation on exactly one.";
    assert.deepEqual(
      result.violations.map((v) => [v.urn, v.message]),
      [
        [testUrn(policy.resourceType, "gp3"), message("gp3")],
        [testUrn(policy.resourceType, "io2"), message("io2")],
      ],
    );
  });

  test("counts the beta default-class annotation", async () => {
    const result = await evaluateStack(policy, [
      { name: "gp3", outputs: defaultStorageClass("gp3"), provider: CLUSTER_A },
      {
        name: "io2",
        outputs: defaultStorageClass("io2", "storageclass.beta.kubernetes.io/is-default-class"),
        provider: CLUSTER_A,
      },
    ]);
    assert.equal(result.violations.length, 2);
  });

  test("passes one default class in each of two clusters", async () => {
    const result = await evaluateStack(policy, [
      { name: "gp3-a", outputs: defaultStorageClass("gp3"), provider: CLUSTER_A },
      { name: "gp3-b", outputs: defaultStorageClass("gp3"), provider: CLUSTER_B },
    ]);
    assert.deepEqual(result.violations, []);
  });

  test("leaves unknown annotations undecided instead of reporting them", async () => {
    const result = await evaluateStack(policy, [
      { name: "gp3", outputs: defaultStorageClass("gp3"), provider: CLUSTER_A },
      {
        name: "io2",
        outputs: { ...storageClass(), metadata: { annotations: unknownValue<object>("object") } },
        provider: CLUSTER_A,
      },
    ]);
    assert.deepEqual(result.violations, []);
    assert.deepEqual(result.undecidable, [
      {
        policyName: policy.name,
        urn: "",
        message: "Object value at .metadata.annotations can't be known during preview",
      },
    ]);
  });
});
