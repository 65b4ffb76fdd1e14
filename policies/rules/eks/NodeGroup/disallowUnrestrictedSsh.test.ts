import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type * as aws from "@pulumi/aws";
import type { Unwrap } from "@pulumi/pulumi";
import { violationMessages } from "../../../lib/testing";
import { acmeEksNodegroupDisallowUnrestrictedSsh as policy } from "./disallowUnrestrictedSsh";

type NodeGroupProps = Unwrap<aws.eks.NodeGroupArgs>;

const nodeGroup = (): NodeGroupProps => ({
  clusterName: "acme-prod",
  nodeRoleArn: "arn:aws:iam::111122223333:role/nodes",
  subnetIds: ["subnet-0a1b2c3d4e5f60001"],
  scalingConfig: { desiredSize: 2, minSize: 2, maxSize: 4 },
});

describe(policy.name, () => {
  test("passes no remote access, and SSH limited to named security groups", async () => {
    assert.deepEqual(await violationMessages(policy, nodeGroup()), []);
    const limited = {
      ...nodeGroup(),
      remoteAccess: { ec2SshKey: "ops", sourceSecurityGroupIds: ["sg-0a1b2c3d4e5f60001"] },
    };
    assert.deepEqual(await violationMessages(policy, limited), []);
  });

  test("reports an SSH key without source security groups", async () => {
    const open = { ...nodeGroup(), remoteAccess: { ec2SshKey: "ops" } };
    assert.deepEqual(await violationMessages(policy, open), [
      "remoteAccess has no sourceSecurityGroupIds, so SSH is open to 0.0.0.0/0; remove " +
        "remoteAccess (use SSM) or list the security groups SSH may come from.",
    ]);
  });
});
