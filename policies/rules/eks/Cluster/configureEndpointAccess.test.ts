import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { eksCluster } from "../../../fixtures/eks";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeEksClusterConfigureEndpointAccess as policy } from "./configureEndpointAccess";

const PUBLIC_FIX =
  "set endpointPublicAccess to false, or list only known networks in publicAccessCidrs.";

describe(policy.name, () => {
  test("passes a private-only endpoint", async () => {
    assert.deepEqual(await violationMessages(policy, eksCluster()), []);
  });

  test("reports an unset private endpoint, which AWS leaves disabled", async () => {
    const cluster = eksCluster();
    cluster.vpcConfig.endpointPrivateAccess = undefined;
    assert.deepEqual(await violationMessages(policy, cluster), [
      "vpcConfig.endpointPrivateAccess is not set (AWS default: false); set it to true so nodes " +
        "and in-VPC clients reach the API server without leaving the VPC.",
    ]);
  });

  test("reports a disabled private endpoint", async () => {
    const cluster = eksCluster();
    cluster.vpcConfig.endpointPrivateAccess = false;
    assert.deepEqual(await violationMessages(policy, cluster), [
      "vpcConfig.endpointPrivateAccess is false; set it to true so nodes and in-VPC clients " +
        "reach the API server without leaving the VPC.",
    ]);
  });

  test("reports an unset public endpoint, which AWS opens to 0.0.0.0/0", async () => {
    const cluster = eksCluster();
    cluster.vpcConfig.endpointPublicAccess = undefined;
    assert.deepEqual(await violationMessages(policy, cluster), [
      "vpcConfig.endpointPublicAccess is not set (AWS default: true) and publicAccessCidrs is " +
        `not set (AWS default: ["0.0.0.0/0"]); ${PUBLIC_FIX}`,
    ]);
  });

  test("reports a public endpoint with an empty CIDR list", async () => {
    const cluster = eksCluster();
    cluster.vpcConfig.endpointPublicAccess = true;
    cluster.vpcConfig.publicAccessCidrs = [];
    assert.deepEqual(await violationMessages(policy, cluster), [
      `vpcConfig.endpointPublicAccess is true and publicAccessCidrs is []; ${PUBLIC_FIX}`,
    ]);
  });

  test("reports a public endpoint open to the internet", async () => {
    const cluster = eksCluster();
    cluster.vpcConfig.endpointPublicAccess = true;
    cluster.vpcConfig.publicAccessCidrs = ["203.0.113.0/24", "0.0.0.0/0"];
    assert.deepEqual(await violationMessages(policy, cluster), [
      "vpcConfig.endpointPublicAccess is true and publicAccessCidrs contains 0.0.0.0/0, which " +
        "opens the API server to the whole internet; set endpointPublicAccess to false, or list " +
        "only known networks.",
    ]);
  });

  test("passes a public endpoint restricted to listed networks", async () => {
    const cluster = eksCluster();
    cluster.vpcConfig.endpointPublicAccess = true;
    cluster.vpcConfig.publicAccessCidrs = ["203.0.113.0/24"];
    assert.deepEqual(await violationMessages(policy, cluster), []);
  });

  test("reports a restricted public endpoint when the config enforces EKS.1 strictly", async () => {
    const cluster = eksCluster();
    cluster.vpcConfig.endpointPublicAccess = true;
    cluster.vpcConfig.publicAccessCidrs = ["203.0.113.0/24"];
    assert.deepEqual(
      await violationMessages(policy, cluster, { allowRestrictedPublicEndpoint: false }),
      [
        "vpcConfig.endpointPublicAccess is true; set it to false and reach the API server " +
          "privately.",
      ],
    );
  });

  test("leaves an unknown public endpoint setting undecided instead of reporting it", async () => {
    const cluster = eksCluster();
    cluster.vpcConfig.endpointPublicAccess = unknownValue<boolean>("boolean");
    const result = await evaluateProps(policy, cluster);
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["boolean value at .vpcConfig.endpointPublicAccess can't be known during preview"],
    );
  });
});
