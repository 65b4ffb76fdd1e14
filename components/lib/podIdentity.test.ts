import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type { Capture } from "../../tools/mocks";
import { MOCK_ACCOUNT_ID, mockPlatform, policyOf, single } from "../../tools/testing";
import { podIdentityRole, POD_IDENTITY_SERVICE_PRINCIPAL, policyDocument } from "./iam";

const COMPONENTS = path.resolve(__dirname, "..");

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [full] : [];
  });
}

describe("podIdentityRole, the one way components get AWS permissions", () => {
  let capture: Capture;
  before(async () => {
    capture = await mockPlatform();
    const parent = new pulumi.ComponentResource("acme:test:Holder", "holder");
    podIdentityRole(
      "reader",
      {
        description: "reads one queue",
        accountId: MOCK_ACCOUNT_ID,
        clusterName: "acme-test",
        namespace: "services",
        serviceAccount: "reader",
        inlinePolicies: {
          "reader-sqs": policyDocument([
            { Effect: "Allow", Action: "sqs:ReceiveMessage", Resource: "arn:aws:sqs:x" },
          ]),
        },
      },
      { parent },
    );
    podIdentityRole(
      "addon",
      {
        description: "an add-on's controller",
        accountId: MOCK_ACCOUNT_ID,
        clusterName: "acme-test",
        namespace: "kube-system",
        serviceAccount: "controller",
        managedPolicyArns: { "addon-managed": "arn:aws:iam::aws:policy/Example" },
        associate: false,
      },
      { parent },
    );
    await capture.settle();
  });

  it("trusts exactly one service account of one cluster, and associates it", () => {
    const role = single(capture, "aws:iam/role:Role", "reader");
    assert.deepEqual(policyOf(role, "assumeRolePolicy").Statement, [
      {
        Effect: "Allow",
        Principal: { Service: POD_IDENTITY_SERVICE_PRINCIPAL },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          StringEquals: {
            "aws:SourceAccount": MOCK_ACCOUNT_ID,
            "aws:RequestTag/eks-cluster-name": "acme-test",
            "aws:RequestTag/kubernetes-namespace": "services",
            "aws:RequestTag/kubernetes-service-account": "reader",
          },
        },
      },
    ]);
    const policy = single(capture, "aws:iam/rolePolicy:RolePolicy", "reader-sqs");
    assert.deepEqual(policyOf(policy).Statement, [
      { Effect: "Allow", Action: "sqs:ReceiveMessage", Resource: "arn:aws:sqs:x" },
    ]);
    const association = single(
      capture,
      "aws:eks/podIdentityAssociation:PodIdentityAssociation",
      "reader",
    );
    assert.deepEqual(
      [
        association.inputs.clusterName,
        association.inputs.namespace,
        association.inputs.serviceAccount,
      ],
      ["acme-test", "services", "reader"],
    );
  });

  it("leaves the association to an add-on when told, and attaches managed policies by name", () => {
    const associations = [...capture.resources.values()].filter(
      (r) =>
        r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation" && r.name === "addon",
    );
    assert.equal(associations.length, 0);
    const attachment = single(
      capture,
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
      "addon-managed",
    );
    assert.equal(attachment.inputs.policyArn, "arn:aws:iam::aws:policy/Example");
  });

  it("is the only place that builds Pod Identity trust or associations", () => {
    const offenders = sources(COMPONENTS)
      .filter((f) => path.relative(COMPONENTS, f) !== path.join("lib", "iam.ts"))
      .filter((f) => {
        const text = fs.readFileSync(f, "utf8");
        return (
          text.includes('"pods.eks.amazonaws.com"') ||
          text.includes("new aws.eks.PodIdentityAssociation") ||
          text.includes("podIdentityTrustPolicy(")
        );
      })
      .map((f) => path.relative(COMPONENTS, f));
    assert.deepEqual(offenders, [], "use podIdentityRole from components/lib/iam.ts");
  });
});
