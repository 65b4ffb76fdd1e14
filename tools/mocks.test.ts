import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Capture } from "./mocks";
import { mockPlatform } from "./testing";

class Box extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("acme:test:Box", name, {}, opts);
    const late = new Promise<string>((resolve) => setTimeout(() => resolve("late"), 50));
    // Created inside an apply that resolves after the first RPCs settled: the capture must wait.
    pulumi
      .output(late)
      .apply((suffix) => new aws.sqs.Queue(`${name}-${suffix}`, {}, { parent: this }));
    new aws.sqs.Queue(
      `${name}-early`,
      { messageRetentionSeconds: 60 },
      { parent: this, protect: true, ignoreChanges: ["tags"] },
    );
    this.registerOutputs({});
  }
}

describe("offline-plan mocks and capture", () => {
  let capture: Capture;
  before(async () => {
    capture = await mockPlatform();
    new Box("box");
    await capture.settle();
  });

  it("waits for resources created inside apply", () => {
    const names = [...capture.resources.values()].map((r) => r.name).sort();
    assert.deepEqual(names, ["box", "box-early", "box-late"]);
  });

  it("records URNs as the engine builds them, with the parent's type chain", () => {
    const early = [...capture.resources.values()].find((r) => r.name === "box-early");
    assert.equal(
      early?.urn,
      "urn:pulumi:test::acme-platform::acme:test:Box$aws:sqs/queue:Queue::box-early",
    );
    assert.equal(early?.parent, "urn:pulumi:test::acme-platform::acme:test:Box::box");
  });

  it("records resource options and inputs", () => {
    const early = [...capture.resources.values()].find((r) => r.name === "box-early");
    assert.equal(early?.protect, true);
    assert.deepEqual(early?.ignoreChanges, ["tags"]);
    assert.equal(early?.inputs.messageRetentionSeconds, 60);
    assert.match(String(early?.outputs.arn), /^arn:aws:sqs:eu-west-1:111122223333:/);
  });

  it("fails an unmocked invoke with its token named", async () => {
    await assert.rejects(
      aws.ec2.getVpc({ default: true }),
      /Unmocked invoke "aws:ec2\/getVpc:getVpc"/,
    );
  });

  it("answers the mocked invokes with this stack's account and Region", async () => {
    const identity = await aws.getCallerIdentity();
    assert.equal(identity.accountId, "111122223333");
    const zones = await aws.getAvailabilityZones({ state: "available" });
    assert.deepEqual(zones.names.slice(0, 3), ["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
  });
});
