import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { cachedPlan } from "../../tools/planCache";
import type { ExportedResource } from "../../tools/stackExport";

// The program as `npm run plan` runs it: index.ts under mocks for the prod stack.
describe("KafkaCluster as index.ts creates it (prod plan)", () => {
  let resources: ExportedResource[];

  before(async () => {
    resources = cachedPlan("prod").export.deployment.resources;
  });

  const named = (type: string, suffix: string) => {
    const found = resources.filter((r) => r.type === type && r.urn.endsWith(`::${suffix}`));
    assert.equal(found.length, 1, `expected one ${type} named ${suffix}, found ${found.length}`);
    return found[0];
  };

  it("lets the domain-event pipe reach the brokers: the broker group admits itself on 9098 and reaches STS on 443", () => {
    const group = named("aws:ec2/securityGroup:SecurityGroup", "events-brokers");
    const groupId = group.id;
    assert.match(String(groupId), /^sg-/);
    const ingress = named(
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      "events-iam-from-pipe",
    );
    assert.deepEqual(
      [ingress.inputs.securityGroupId, ingress.inputs.referencedSecurityGroupId],
      [groupId, groupId],
    );
    assert.deepEqual(
      [ingress.inputs.ipProtocol, ingress.inputs.fromPort, ingress.inputs.toPort],
      ["tcp", 9098, 9098],
    );
    const egress = named(
      "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
      "events-pipe-to-brokers",
    );
    assert.deepEqual(
      [egress.inputs.securityGroupId, egress.inputs.referencedSecurityGroupId],
      [groupId, groupId],
    );
    assert.deepEqual(
      [egress.inputs.ipProtocol, egress.inputs.fromPort, egress.inputs.toPort],
      ["tcp", 9098, 9098],
    );
    const vpcs = resources.filter((r) => r.type === "aws:ec2/vpc:Vpc");
    assert.equal(vpcs.length, 1);
    const sts = named(
      "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
      "events-pipe-to-endpoints",
    );
    assert.deepEqual(
      [sts.inputs.securityGroupId, sts.inputs.ipProtocol, sts.inputs.fromPort, sts.inputs.toPort],
      [groupId, "tcp", 443, 443],
    );
    assert.equal(sts.inputs.cidrIpv4, vpcs[0].inputs.cidrBlock);
    assert.match(String(sts.inputs.cidrIpv4), /^10\.\d+\.\d+\.\d+\/\d+$/);
  });
});
