import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { cachedPlan } from "../../tools/planCache";
import type { ExportedResource } from "../../tools/stackExport";
import { contractApi } from "./document";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// The front door as index.ts deploys it (prod plan): the contract's document, the private
// integrations over the VPC link v2, the authorizer, the stage's logs and tracing, the WAF and the
// TargetGroupBinding that registers Service A's pods.
describe("the front door (prod plan)", () => {
  let resources: ExportedResource[];
  const operations = contractApi("service-a").operations;
  before(() => {
    resources = cachedPlan("prod").export.deployment.resources;
  });

  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const one = (type: string) => {
    const found = ofType(type);
    assert.equal(found.length, 1, `expected one ${type}, found ${found.length}`);
    return found[0];
  };

  it("imports the rendered contract with its Cognito authorizer over the stack's user pool", () => {
    const api = one("aws:apigateway/restApi:RestApi");
    const body = JSON.parse(String(api.inputs?.body)) as Json;
    const pool = one("aws:cognito/userPool:UserPool");
    const schemes = body.components.securitySchemes as Json;
    const authorizers = Object.values(schemes).filter(
      (s: Json) => s["x-amazon-apigateway-authtype"] === "cognito_user_pools",
    );
    assert.equal(authorizers.length, 1);
    assert.deepEqual(authorizers[0]["x-amazon-apigateway-authorizer"].providerARNs, [
      pool.outputs?.arn,
    ]);
    for (const operation of operations) {
      const rendered = body.paths[operation.path][operation.method.toLowerCase()] as Json;
      assert.ok(rendered["x-amazon-apigateway-request-validator"], operation.operationId);
      assert.ok(
        operation.authorization.kind === "public" || rendered.security.length > 0,
        `${operation.operationId} is authorized or explicitly public`,
      );
    }
    assert.equal(api.inputs?.disableExecuteApiEndpoint, true, "prod has a custom domain");
  });

  it("integrates every operation through the VPC link v2 with the load balancer as integrationTarget", () => {
    const integrations = ofType("aws:apigateway/integration:Integration");
    assert.equal(integrations.length, operations.length);
    const link = one("aws:apigatewayv2/vpcLink:VpcLink");
    const alb = one("aws:lb/loadBalancer:LoadBalancer");
    for (const integration of integrations) {
      assert.equal(integration.inputs?.connectionType, "VPC_LINK");
      assert.equal(integration.inputs?.connectionId, link.id);
      assert.equal(integration.inputs?.integrationTarget, alb.outputs?.arn);
      assert.match(
        String(integration.inputs?.uri),
        /^https:\/\/service-a\.internal\.acme\.example\//,
      );
    }
    const listener = one("aws:lb/listener:Listener");
    assert.equal(listener.inputs?.protocol, "HTTPS");
    assert.equal(alb.inputs?.internal, true);
  });

  it("logs access and execution, traces, and is associated with the WAF web ACL", () => {
    const stage = one("aws:apigateway/stage:Stage");
    assert.equal(stage.inputs?.xrayTracingEnabled, true);
    assert.ok((stage.inputs?.accessLogSettings as Json).destinationArn);
    const all = ofType("aws:apigateway/methodSettings:MethodSettings").find(
      (m) => m.inputs?.methodPath === "*/*",
    );
    assert.ok(all, "MethodSettings for */*");
    assert.equal((all.inputs?.settings as Json).loggingLevel, "ERROR");
    const association = one("aws:wafv2/webAclAssociation:WebAclAssociation");
    assert.equal(association.inputs?.resourceArn, stage.outputs?.arn);
    assert.equal(association.inputs?.webAclArn, one("aws:wafv2/webAcl:WebAcl").outputs?.arn);
  });

  it("has Service A drop the stage the private integration puts in front of the path", () => {
    const stage = one("aws:apigateway/stage:Stage");
    const deployment = ofType("kubernetes:apps/v1:Deployment").find((d) =>
      d.urn.endsWith("::service-a-deployment"),
    );
    assert.ok(deployment, "Service A's Deployment");
    const container = (deployment.inputs?.spec as Json).template.spec.containers[0] as Json;
    const env = Object.fromEntries((container.env as Json[]).map((e: Json) => [e.name, e.value]));
    assert.equal(env.STRIP_PATH_PREFIX, `/${String(stage.inputs?.stageName)}`);
  });

  it("registers Service A's TLS port into the load balancer's target group", () => {
    const binding = one("kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding");
    const group = one("aws:lb/targetGroup:TargetGroup");
    const spec = binding.inputs?.spec as Json;
    assert.equal(spec.targetGroupARN, group.outputs?.arn);
    assert.deepEqual(spec.serviceRef, { name: "service-a", port: "https" });
    assert.equal(group.inputs?.protocol, "HTTPS");
  });
});
