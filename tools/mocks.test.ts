import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import type { Capture } from "./mocks";
import { mockPlatform, valueOf } from "./testing";

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
  let api: aws.apigateway.RestApi;
  let certificate: aws.acm.Certificate;
  let pushed: dockerBuild.Image;
  let local: dockerBuild.Image;
  before(async () => {
    capture = await mockPlatform();
    new Box("box");
    api = new aws.apigateway.RestApi("api", {
      body: JSON.stringify({ openapi: "3.0.1", paths: { "/v1/requests/{id}": {} } }),
    });
    certificate = new aws.acm.Certificate("cert", {
      domainName: "api.acme.example",
      subjectAlternativeNames: ["*.api.acme.example"],
      validationMethod: "DNS",
    });
    const tags = ["111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:v1"];
    pushed = new dockerBuild.Image("pushed", { push: true, tags });
    local = new dockerBuild.Image("local", { push: false, tags });
    await capture.settle();
  });

  it("waits for resources created inside apply", () => {
    const names = [...capture.resources.values()]
      .filter((r) => r.name.startsWith("box"))
      .map((r) => r.name)
      .sort();
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

  it("looks up only the REST API resources its OpenAPI body created, as the provider does", async () => {
    const restApiId = await valueOf(api.id);
    const lookup = (path: string) => aws.apigateway.getResource({ restApiId, path });
    const [root, v1, requests, one] = await Promise.all(
      ["/", "/v1", "/v1/requests", "/v1/requests/{id}"].map(lookup),
    );
    assert.equal(root.id, await valueOf(api.rootResourceId));
    assert.equal(v1.parentId, root.id);
    assert.equal(one.parentId, requests.id);
    assert.equal(one.pathPart, "{id}");
    assert.match(one.id, /^[0-9a-z]{10}$/);
    await assert.rejects(lookup("/v2"), /no Resource found matching path \(\/v2\)/);
    await assert.rejects(
      aws.apigateway.getResource({ restApiId: "abcdefghij", path: "/" }),
      /no Resource found/,
    );
  });

  it("gives a wildcard and its base name one ACM validation record, in ACM's form", async () => {
    const options = await valueOf(certificate.domainValidationOptions);
    assert.deepEqual(
      options.map((o) => o.domainName),
      ["api.acme.example", "*.api.acme.example"],
    );
    assert.equal(options[0].resourceRecordName, options[1].resourceRecordName);
    assert.match(options[0].resourceRecordName!, /^_[0-9a-f]{32}\.api\.acme\.example\.$/);
    assert.match(
      options[0].resourceRecordValue!,
      /^_[0-9a-f]{32}\.[a-z]{10}\.acm-validations\.aws\.$/,
    );
  });

  it("gives a pushed build a digest and a ref of its first tag with it; an unpushed one neither", async () => {
    const digest = await valueOf(pushed.digest);
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(
      await valueOf(pushed.ref),
      `111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:v1@${digest}`,
    );
    assert.equal(await valueOf(local.digest), "");
    assert.equal(await valueOf(local.ref), "111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:v1");
  });
});
