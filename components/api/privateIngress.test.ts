import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { validateCustomResource } from "../../tools/checks/crdSchemas";
import type { Capture, CapturedResource } from "../../tools/mocks";
import { LOG_RETENTION_DAYS } from "../lib";
import {
  MOCK_ACCOUNT_ID,
  mockPlatform,
  ofType,
  policyOf,
  TEST_REGION,
  valueOf,
} from "../../tools/testing";
import {
  PrivateIngress,
  type PrivateIngressArgs,
  TLS_POLICY,
  targetGroupBindingManifest,
  validatePrivateIngressArgs,
} from "./privateIngress";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const VPC_LINK_SG = "sg-0a1b2c3d4e5f60718";
const POD_SG = "sg-0123456789abcdef0";
const ZONE = "Z0123456789ABCDEFGHIJ";
const HOST = "service-a.internal.example.com";
const SUBNETS = [
  "subnet-0aaaaaaaaaaaaaaa1",
  "subnet-0aaaaaaaaaaaaaaa2",
  "subnet-0aaaaaaaaaaaaaaa3",
];

describe("PrivateIngress", () => {
  let capture: Capture;
  let provider: k8s.Provider;
  let prod: PrivateIngress;
  const urn = (name: string) =>
    [...capture.resources.values()].find(
      (r) => r.type === "acme:api:PrivateIngress" && r.name === name,
    )!.urn;
  const children = (name: string, type: string) => ofType(capture, type, urn(name));
  const one = (name: string, type: string): CapturedResource => {
    const found = children(name, type);
    assert.equal(found.length, 1, `${name}: expected one ${type}, found ${found.length}`);
    return found[0];
  };
  const base = (overrides: Partial<PrivateIngressArgs> = {}): PrivateIngressArgs => ({
    accountId: MOCK_ACCOUNT_ID,
    partition: "aws",
    region: TEST_REGION,
    vpcId: "vpc-0123456789abcdef0",
    privateSubnetIds: SUBNETS,
    podSecurityGroupId: POD_SG,
    hostedZoneId: ZONE,
    hostName: HOST,
    targetPort: 8443,
    healthCheckPath: "/readyz",
    drainSeconds: 10,
    deletionProtection: true,
    accessLogRetentionDays: 90,
    ...overrides,
  });

  before(async () => {
    capture = await mockPlatform();
    provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    prod = new PrivateIngress(
      "api",
      base({
        protect: true,
        targets: {
          provider,
          namespace: "request-path",
          serviceName: "service-a",
          servicePort: "https",
        },
      }),
    );
    prod.admitVpcLink(VPC_LINK_SG);
    new PrivateIngress("bootstrap", base({ deletionProtection: false }));
    await capture.settle();
  });

  it("is an internal ALB over every private subnet that drops invalid headers and mitigates desync strictly", () => {
    const lb = one("api", "aws:lb/loadBalancer:LoadBalancer").inputs as Json;
    assert.equal(lb.loadBalancerType, "application");
    assert.equal(lb.internal, true);
    assert.deepEqual(lb.subnets, SUBNETS);
    assert.equal(lb.dropInvalidHeaderFields, true);
    assert.equal(lb.desyncMitigationMode, "strictest");
    assert.equal(lb.enableDeletionProtection, true);
    const other = one("bootstrap", "aws:lb/loadBalancer:LoadBalancer").inputs as Json;
    assert.equal(other.enableDeletionProtection, false, "deletion protection follows the argument");
    assert.equal(one("api", "aws:s3/bucket:Bucket").protect, true, "the log bucket is protected");
    assert.equal(one("bootstrap", "aws:s3/bucket:Bucket").protect, false, "unless not asked");
    const group = one("api", "aws:ec2/securityGroup:SecurityGroup");
    assert.deepEqual(lb.securityGroups, [group.id]);
  });

  it("logs access to a dedicated SSE-S3 bucket, private, owner-enforced, TLS-only, expiring", () => {
    const bucket = one("api", "aws:s3/bucket:Bucket");
    const name = bucket.outputs.bucket as string;
    const lb = one("api", "aws:lb/loadBalancer:LoadBalancer").inputs as Json;
    assert.deepEqual(lb.accessLogs, { enabled: true, bucket: name, prefix: "api" });
    const sse = one(
      "api",
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    ).inputs as Json;
    assert.deepEqual(sse.rules[0].applyServerSideEncryptionByDefault, { sseAlgorithm: "AES256" });
    const block = one("api", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
      .inputs as Json;
    for (const k of [
      "blockPublicAcls",
      "blockPublicPolicy",
      "ignorePublicAcls",
      "restrictPublicBuckets",
    ])
      assert.equal(block[k], true, k);
    const owner = one("api", "aws:s3/bucketOwnershipControls:BucketOwnershipControls")
      .inputs as Json;
    assert.equal(owner.rule.objectOwnership, "BucketOwnerEnforced");
    const lifecycle = one("api", "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
      .inputs as Json;
    assert.equal(lifecycle.rules[0].expiration.days, 90);
    const policy = policyOf(one("api", "aws:s3/bucketPolicy:BucketPolicy"));
    const arn = `arn:aws:s3:::${name}`;
    assert.deepEqual(policy.Statement, [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [arn, `${arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      {
        Sid: "AllowLoadBalancerLogDelivery",
        Effect: "Allow",
        Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${arn}/api/AWSLogs/${MOCK_ACCOUNT_ID}/*`,
      },
    ]);
    // ELB checks its write access when logging is turned on: the policy comes first.
    const lbResource = one("api", "aws:lb/loadBalancer:LoadBalancer");
    const policyUrn = one("api", "aws:s3/bucketPolicy:BucketPolicy").urn;
    assert.ok(lbResource.dependencies.includes(policyUrn), JSON.stringify(lbResource.dependencies));
  });

  it("terminates HTTPS on 443 with the DNS-validated certificate of the host and the recommended policy", async () => {
    const listener = one("api", "aws:lb/listener:Listener").inputs as Json;
    assert.equal(listener.port, 443);
    assert.equal(listener.protocol, "HTTPS");
    assert.equal(listener.sslPolicy, TLS_POLICY);
    assert.equal(TLS_POLICY, "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09");
    const cert = one("api", "aws:acm/certificate:Certificate");
    assert.deepEqual(
      [cert.inputs.domainName, cert.inputs.validationMethod, cert.inputs.keyAlgorithm],
      [HOST, "DNS", "RSA_2048"],
    );
    assert.equal(listener.certificateArn, cert.outputs.arn);
    const [option] = cert.outputs.domainValidationOptions as Json[];
    const record = one("api", "aws:route53/record:Record").inputs as Json;
    assert.deepEqual(
      [record.zoneId, record.name, record.type, record.records],
      [ZONE, option.resourceRecordName, "CNAME", [option.resourceRecordValue]],
    );
    const tg = one("api", "aws:lb/targetGroup:TargetGroup");
    assert.deepEqual(listener.defaultActions, [
      { type: "forward", targetGroupArn: tg.outputs.arn },
    ]);
    assert.equal(prod.backendBaseUrl, `https://${HOST}`);
    assert.equal(await valueOf(prod.targetGroupArn), tg.outputs.arn);
  });

  it("sends HTTPS to the pods' TLS port, health-checks /readyz over HTTPS, drains for the pods' serving time", () => {
    const tg = one("api", "aws:lb/targetGroup:TargetGroup").inputs as Json;
    assert.deepEqual(
      [tg.targetType, tg.protocol, tg.port, tg.deregistrationDelay],
      ["ip", "HTTPS", 8443, 10],
    );
    assert.deepEqual(
      [tg.healthCheck.protocol, tg.healthCheck.port, tg.healthCheck.path, tg.healthCheck.matcher],
      ["HTTPS", "traffic-port", "/readyz", "200"],
    );
  });

  it("opens exactly VPC link -> LB on 443 (admitVpcLink) and LB -> pods on the TLS port, both ways", () => {
    const group = one("api", "aws:ec2/securityGroup:SecurityGroup");
    const lbId = group.id as string;
    assert.equal(group.inputs.ingress, undefined, "no inline rules");
    assert.equal(group.inputs.egress, undefined, "no inline rules");
    const rule = (r: CapturedResource, dir: string) => {
      const i = r.inputs as Json;
      return `${dir} ${i.securityGroupId} ${i.ipProtocol}/${i.fromPort}-${i.toPort} ${i.referencedSecurityGroupId ?? i.cidrIpv4}`;
    };
    const rules = [
      ...children("api", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) =>
        rule(r, "in"),
      ),
      ...children("api", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").map((r) =>
        rule(r, "out"),
      ),
    ].sort();
    assert.deepEqual(
      rules,
      [
        `in ${lbId} tcp/443-443 ${VPC_LINK_SG}`,
        `in ${POD_SG} tcp/8443-8443 ${lbId}`,
        `out ${lbId} tcp/8443-8443 ${POD_SG}`,
      ].sort(),
    );
  });

  it("registers Service A's pods with a TargetGroupBinding valid against the controller's CRD, and none without targets", () => {
    const [binding] = children("api", "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding");
    assert.ok(binding, "a TargetGroupBinding");
    const tg = one("api", "aws:lb/targetGroup:TargetGroup");
    const spec = (binding.inputs as Json).spec;
    assert.deepEqual(spec.serviceRef, { name: "service-a", port: "https" });
    assert.equal(spec.targetGroupARN, tg.outputs.arn);
    assert.equal(spec.targetType, "ip");
    assert.equal(spec.networking, undefined, "Pulumi owns the security-group rule");
    assert.equal((binding.inputs as Json).metadata.namespace, "request-path");
    assert.deepEqual(validateCustomResource(binding.inputs), []);
    assert.equal(
      children("bootstrap", "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding").length,
      0,
    );
  });

  it("would notice a TargetGroupBinding the CRD refuses, so the check above can fail", () => {
    const bad = targetGroupBindingManifest({
      name: "x",
      namespace: "request-path",
      serviceName: "service-a",
      servicePort: "https",
      targetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/x/1",
    }) as Json;
    bad.spec.targetType = "pod";
    bad.spec.serviceRef.extra = true;
    const messages = validateCustomResource(bad).map((e) => `${e.path} ${e.message}`);
    assert.ok(
      messages.some((m) => /targetType/.test(m)),
      JSON.stringify(messages),
    );
    assert.ok(
      messages.some((m) => /serviceRef/.test(m)),
      JSON.stringify(messages),
    );
  });

  it("registers its outputs", async () => {
    const component = [...capture.resources.values()].find((r) => r.urn === urn("api"));
    const lb = one("api", "aws:lb/loadBalancer:LoadBalancer");
    assert.equal(component?.outputs.loadBalancerArn, lb.outputs.arn);
    assert.equal(component?.outputs.listenerPort, 443);
    assert.equal(component?.outputs.backendBaseUrl, `https://${HOST}`);
    assert.equal(
      component?.outputs.securityGroupId,
      one("api", "aws:ec2/securityGroup:SecurityGroup").id,
    );
    assert.equal(await valueOf(prod.loadBalancerArn), lb.outputs.arn);
  });

  describe("validation", () => {
    it("reports every problem at once, naming each field, before anything registers", () => {
      const before = capture.resources.size;
      const bad = base({
        region: "Ireland",
        hostName: "Service_A.example",
        targetPort: 4143,
        healthCheckPath: "readyz",
        drainSeconds: 4000,
        accessLogRetentionDays: 0,
        targets: { provider, namespace: "Bad", serviceName: "service-a", servicePort: "HTTPS" },
      });
      assert.throws(
        () => new PrivateIngress("a-name-much-too-long-for-an-alb", bad),
        /^Error: PrivateIngress: \d+ invalid arguments:|PrivateIngress: \d+ invalid arguments:/,
      );
      assert.equal(capture.resources.size, before, "nothing registered");
      assert.deepEqual(
        validatePrivateIngressArgs(bad, "a-name-much-too-long-for-an-alb").map(
          (e) => e.propertyPath,
        ),
        [
          "name",
          "region",
          "hostName",
          "targetPort",
          "healthCheckPath",
          "drainSeconds",
          "accessLogRetentionDays",
          "targets.namespace",
          "targets.servicePort",
        ],
      );
    });

    it("accepts the happy path", () => {
      assert.deepEqual(validatePrivateIngressArgs(base(), "api"), []);
    });

    it("keeps access logs as long as any api.logRetentionInDays index.ts passes it allows", () => {
      for (const accessLogRetentionDays of LOG_RETENTION_DAYS) {
        assert.deepEqual(
          validatePrivateIngressArgs(base({ accessLogRetentionDays }), "api"),
          [],
          `${accessLogRetentionDays} days`,
        );
      }
    });
  });
});
