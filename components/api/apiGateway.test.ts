import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { evaluateStackExport } from "../../policies/lib/runner";
import { acmeCloudwatchLoggroupMissingKmsKey } from "../../policies/rules/cloudwatch/LogGroup/missingKmsKey";
import {
  installMocks,
  PlatformMocks,
  type Capture,
  type CapturedResource,
} from "../../tools/mocks";
import { toStackExport } from "../../tools/stackExport";
import { MOCK_ACCOUNT_ID, ofType, single, TEST_REGION, valueOf } from "../../tools/testing";
import {
  ACCESS_LOG_FIELDS,
  accessLogFormat,
  ApiGateway,
  type ApiGatewayArgs,
  clientTokenValidity,
  methodSettingsPath,
  resourceServersOf,
  validateApiGatewayArgs,
} from "./apiGateway";
import { documentHash } from "./document";
import type { ApiRefs, ContractApi, RenderedOperation } from "./types";

const T = {
  restApi: "aws:apigateway/restApi:RestApi",
  deployment: "aws:apigateway/deployment:Deployment",
  stage: "aws:apigateway/stage:Stage",
  methodSettings: "aws:apigateway/methodSettings:MethodSettings",
  account: "aws:apigateway/account:Account",
  domainName: "aws:apigateway/domainName:DomainName",
  basePathMapping: "aws:apigateway/basePathMapping:BasePathMapping",
  vpcLink: "aws:apigatewayv2/vpcLink:VpcLink",
  integration: "aws:apigateway/integration:Integration",
  userPool: "aws:cognito/userPool:UserPool",
  userPoolDomain: "aws:cognito/userPoolDomain:UserPoolDomain",
  resourceServer: "aws:cognito/resourceServer:ResourceServer",
  client: "aws:cognito/userPoolClient:UserPoolClient",
  webAcl: "aws:wafv2/webAcl:WebAcl",
  webAclAssociation: "aws:wafv2/webAclAssociation:WebAclAssociation",
  webAclLogging: "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
  certificate: "aws:acm/certificate:Certificate",
  certificateValidation: "aws:acm/certificateValidation:CertificateValidation",
  record: "aws:route53/record:Record",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  role: "aws:iam/role:Role",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
};
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const CLIENT_SECRET = "mock-client-secret-0123456789abcdef";
const LOGS_KEY = `arn:aws:kms:${TEST_REGION}:${MOCK_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const LB_ARN = `arn:aws:elasticloadbalancing:${TEST_REGION}:${MOCK_ACCOUNT_ID}:loadbalancer/app/ingress/0123456789abcdef`;
const BACKEND = "https://service-a.internal.acme.example";
const DOMAIN = "api.acme.example";
const ZONE = "Z0123456789ABCDEFGHIJ";

/** Mocks that also return what Route 53, Cognito and API Gateway compute and these tests read. */
class ApiMocks extends PlatformMocks {
  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    const result = super.newResource(args);
    const inputs = args.inputs as Record<string, unknown>;
    if (args.type === T.record) {
      result.state = { ...result.state, fqdn: String(inputs.name).replace(/\.$/, "") };
    }
    if (args.type === T.client) result.state = { ...result.state, clientSecret: CLIENT_SECRET };
    if (args.type === T.domainName) {
      result.state = {
        ...result.state,
        regionalDomainName: `d-0123456789.execute-api.${TEST_REGION}.amazonaws.com`,
        regionalZoneId: "ZLY8HYME6SFDD",
      };
    }
    return result;
  }
}

const op = (
  operationId: string,
  method: string,
  path: string,
  authorization: RenderedOperation["authorization"],
  throttle?: RenderedOperation["throttle"],
): RenderedOperation => ({
  operationId,
  method,
  path,
  authorization,
  requestValidator: "body-and-parameters",
  ...(throttle ? { throttle } : {}),
  integration: {
    type: "HTTP_PROXY",
    httpMethod: method,
    path,
    requestParameters: path.includes("{requestId}")
      ? { "integration.request.path.requestId": "method.request.path.requestId" }
      : {},
    timeoutMilliseconds: 29000,
  },
});

/** A small hand-made contract: two resource servers, one public operation, two throttles. */
function contract(version = "1.0.0"): ContractApi {
  const operations = [
    op(
      "submitWorkflowRequest",
      "POST",
      "/v1/workflow-requests",
      { kind: "scopes", scopes: ["workflow-requests/submit"] },
      { rateLimit: 50, burstLimit: 100 },
    ),
    op("getWorkflowRequest", "GET", "/v1/workflow-requests/{requestId}", {
      kind: "scopes",
      scopes: ["workflow-requests/read", "audit/read"],
    }),
    op("health", "GET", "/health", { kind: "public" }, { rateLimit: 5, burstLimit: 10 }),
  ];
  return {
    operations,
    scopes: ["workflow-requests/submit", "workflow-requests/read", "audit/read"],
    render: (refs: ApiRefs) => ({
      openapi: "3.0.1",
      info: { title: "service-a", version },
      "x-refs": refs,
      paths: Object.fromEntries(operations.map((o) => [o.path, { [o.method.toLowerCase()]: {} }])),
    }),
  };
}

function args(overrides: Partial<ApiGatewayArgs> = {}): ApiGatewayArgs {
  return {
    accountId: MOCK_ACCOUNT_ID,
    partition: "aws",
    region: TEST_REGION,
    api: contract(),
    stageName: "v1",
    loadBalancerArn: LB_ARN,
    backendBaseUrl: BACKEND,
    vpcLink: {
      vpcId: "vpc-0123456789abcdef0",
      subnetIds: ["subnet-0a", "subnet-0b", "subnet-0c"],
      loadBalancerSecurityGroupId: "sg-0lb",
      listenerPort: 8443,
    },
    logs: { kmsKeyArn: LOGS_KEY, retentionInDays: 365 },
    throttle: { rateLimit: 200, burstLimit: 400 },
    waf: { rateLimit: 1000, evaluationWindowSec: 300 },
    cognito: { domainPrefix: "acme-test-api" },
    ...overrides,
  };
}

describe("ApiGateway", () => {
  let capture: Capture;
  let plainUrn: string;
  let domainUrn: string;
  let changedUrn: string;
  let plain: ApiGateway;
  const under = (urn: string, type: string) => ofType(capture, type, urn);
  const one = (urn: string, type: string): CapturedResource => {
    const found = under(urn, type);
    assert.equal(found.length, 1, `expected one ${type}, found ${found.length}`);
    return found[0];
  };

  before(async () => {
    capture = await installMocks(
      new ApiMocks({ accountId: MOCK_ACCOUNT_ID, region: TEST_REGION }),
      "acme-platform",
      "test",
    );
    plain = new ApiGateway("plain", args());
    const withDomain = new ApiGateway(
      "edge",
      args({
        customDomain: { domainName: DOMAIN, hostedZoneId: ZONE },
        cache: { sizeGb: "0.5", ttlSeconds: 300 },
        logs: { kmsKeyArn: LOGS_KEY, retentionInDays: 731, executionLoggingLevel: "ERROR" },
        cognito: { domainPrefix: "acme-edge-api", accessTokenValidityMinutes: 15 },
        manageAccountCloudWatchRole: false,
        protect: true,
      }),
    );
    const changed = new ApiGateway("changed", args({ api: contract("1.1.0") }));
    await capture.settle();
    plainUrn = await valueOf(plain.urn);
    domainUrn = await valueOf(withDomain.urn);
    changedUrn = await valueOf(changed.urn);
    assert.deepEqual(capture.errors, []);
  });

  it("registers exactly these children without a domain", () => {
    const counts = (urn: string) => {
      const result: Record<string, number> = {};
      for (const r of capture.resources.values()) {
        if (r.parent === urn) result[r.type] = (result[r.type] ?? 0) + 1;
      }
      return result;
    };
    const common = {
      [T.securityGroup]: 1,
      [T.egress]: 1,
      [T.vpcLink]: 1,
      [T.userPool]: 1,
      [T.userPoolDomain]: 1,
      [T.resourceServer]: 2,
      [T.client]: 1,
      [T.restApi]: 1,
      [T.deployment]: 1,
      [T.integration]: 3,
      [T.logGroup]: 3,
      [T.stage]: 1,
      [T.methodSettings]: 3,
      [T.webAcl]: 1,
      [T.webAclAssociation]: 1,
      [T.webAclLogging]: 1,
    };
    assert.deepEqual(counts(plainUrn), {
      ...common,
      [T.role]: 1,
      [T.attachment]: 1,
      [T.account]: 1,
    });
    assert.deepEqual(counts(domainUrn), {
      ...common,
      [T.certificate]: 1,
      [T.record]: 2,
      [T.certificateValidation]: 1,
      [T.domainName]: 1,
      [T.basePathMapping]: 1,
    });
  });

  it("limits the VPC link's security group to the load balancer's listener port", () => {
    const sg = one(plainUrn, T.securityGroup);
    assert.equal(sg.inputs.vpcId, "vpc-0123456789abcdef0");
    assert.equal("egress" in sg.inputs || "ingress" in sg.inputs, false, "no inline rules");
    assert.deepEqual(one(plainUrn, T.egress).inputs, {
      securityGroupId: sg.id,
      description: "HTTPS to the internal load balancer's listener",
      ipProtocol: "tcp",
      fromPort: 8443,
      toPort: 8443,
      referencedSecurityGroupId: "sg-0lb",
    });
    assert.deepEqual(one(plainUrn, T.vpcLink).inputs, {
      subnetIds: ["subnet-0a", "subnet-0b", "subnet-0c"],
      securityGroupIds: [sg.id],
    });
  });

  it("renders the document with the deploy-time references and imports it as a regional, TLS 1.3-only API", () => {
    const api = one(plainUrn, T.restApi);
    const body = JSON.parse(api.inputs.body as string) as { "x-refs": ApiRefs };
    assert.deepEqual(body["x-refs"], {
      vpcLinkId: one(plainUrn, T.vpcLink).id,
      loadBalancerArn: LB_ARN,
      backendBaseUrl: BACKEND,
      userPoolArns: [one(plainUrn, T.userPool).outputs.arn],
    });
    assert.equal(api.inputs.putRestApiMode, "overwrite");
    assert.equal(api.inputs.failOnWarnings, true);
    assert.deepEqual(api.inputs.endpointConfiguration, { types: "REGIONAL" });
    assert.equal(api.inputs.securityPolicy, "SecurityPolicy_TLS13_1_3_2025_09");
    assert.equal(api.inputs.endpointAccessMode, "STRICT");
  });

  it("keeps the default endpoint only when there is no custom domain", () => {
    assert.equal(one(plainUrn, T.restApi).inputs.disableExecuteApiEndpoint, false);
    assert.equal(one(domainUrn, T.restApi).inputs.disableExecuteApiEndpoint, true);
  });

  it("redeploys when the document changes: the trigger is the rendered document's hash", () => {
    const trigger = (urn: string) =>
      (one(urn, T.deployment).inputs.triggers as Record<string, string>).documentSha256;
    const body = (urn: string) => one(urn, T.restApi).inputs.body as string;
    for (const urn of [plainUrn, changedUrn, domainUrn]) {
      assert.equal(trigger(urn), documentHash(JSON.parse(body(urn)) as Record<string, unknown>));
      assert.equal(one(urn, T.deployment).inputs.restApi, one(urn, T.restApi).id);
      assert.equal(one(urn, T.stage).inputs.deployment, one(urn, T.deployment).id);
    }
    assert.notEqual(trigger(plainUrn), trigger(changedUrn));
  });

  it("integrates every operation privately: VPC link v2 to the load balancer, TLS verified, before the deployment", () => {
    const integrations = ofType(capture, T.integration, plainUrn);
    const operations = contract().operations;
    assert.equal(integrations.length, operations.length);
    const link = one(plainUrn, T.vpcLink);
    const deployment = one(plainUrn, T.deployment);
    for (const operation of operations) {
      const integration = integrations.find((i) => i.name === `plain-${operation.operationId}`)!;
      assert.ok(integration, operation.operationId);
      const { resourceId, ...inputs } = integration.inputs;
      assert.match(String(resourceId), /^[0-9a-f]{10}$/);
      assert.deepEqual(inputs, {
        restApi: one(plainUrn, T.restApi).id,
        httpMethod: operation.method,
        type: "HTTP_PROXY",
        integrationHttpMethod: operation.method,
        connectionType: "VPC_LINK",
        connectionId: link.id,
        integrationTarget: LB_ARN,
        uri: `${BACKEND}${operation.path}`,
        requestParameters: operation.integration.requestParameters,
        timeoutMilliseconds: 29000,
        tlsConfig: { insecureSkipVerification: false },
      });
      assert.ok(
        deployment.dependencies.includes(integration.urn),
        `deployed after ${operation.operationId}`,
      );
    }
  });

  it("logs access as JSON with the request, caller and outcome fields, to an encrypted log group", () => {
    const stage = one(plainUrn, T.stage);
    const logs = single(capture, T.logGroup, "plain-access-logs");
    assert.deepEqual(logs.inputs, { kmsKeyId: LOGS_KEY, retentionInDays: 365 });
    const settings = stage.inputs.accessLogSettings as { destinationArn: string; format: string };
    assert.equal(settings.destinationArn, logs.outputs.arn);
    assert.equal(settings.format, accessLogFormat());
    // Every variable is inside quotes except the one API Gateway quotes itself.
    const sample = JSON.parse(
      settings.format.replace("$context.error.messageString", '"boom"'),
    ) as Record<string, string>;
    for (const field of ["requestId", "ip", "status", "httpMethod", "resourcePath", "clientId"]) {
      assert.ok(field in sample, field);
    }
    assert.equal(sample.ip, "$context.identity.sourceIp");
    assert.equal(sample.status, "$context.status");
    assert.equal(sample.errorMessage, "boom");
    assert.deepEqual(Object.keys(sample), Object.keys(ACCESS_LOG_FIELDS));
    assert.doesNotMatch(settings.format, /header|requestBody|authorization/i, "no secrets logged");
  });

  it("traces with X-Ray, keeps the cache off unless configured, and waits for logging to be set up", () => {
    const stage = one(plainUrn, T.stage);
    assert.equal(stage.inputs.xrayTracingEnabled, true);
    assert.equal(stage.inputs.stageName, "v1");
    assert.equal(stage.inputs.cacheClusterEnabled, false);
    assert.equal("cacheClusterSize" in stage.inputs, false);
    const cached = one(domainUrn, T.stage);
    assert.equal(cached.inputs.cacheClusterEnabled, true);
    assert.equal(cached.inputs.cacheClusterSize, "0.5");
    assert.ok(stage.dependencies.includes(one(plainUrn, T.account).urn));
    assert.ok(stage.dependencies.includes(single(capture, T.logGroup, "plain-execution-logs").urn));
  });

  it("pre-creates the execution log group API Gateway writes to, encrypted and expiring", () => {
    const logs = single(capture, T.logGroup, "plain-execution-logs");
    assert.deepEqual(logs.inputs, {
      name: `API-Gateway-Execution-Logs_${one(plainUrn, T.restApi).id}/v1`,
      kmsKeyId: LOGS_KEY,
      retentionInDays: 365,
    });
    assert.equal(single(capture, T.logGroup, "edge-execution-logs").protect, true);
    assert.equal(logs.protect, false);
  });

  it("logs every method with metrics and no data trace, throttled stage-wide and per operation", () => {
    const settings = under(plainUrn, T.methodSettings);
    const byPath = Object.fromEntries(settings.map((s) => [s.inputs.methodPath as string, s]));
    const base = { metricsEnabled: true, loggingLevel: "INFO", dataTraceEnabled: false };
    assert.deepEqual(Object.keys(byPath).sort(), [
      "*/*",
      "~1health/GET",
      "~1v1~1workflow-requests/POST",
    ]);
    assert.deepEqual(byPath["*/*"].inputs.settings, {
      ...base,
      throttlingRateLimit: 200,
      throttlingBurstLimit: 400,
    });
    assert.deepEqual(byPath["~1v1~1workflow-requests/POST"].inputs.settings, {
      ...base,
      throttlingRateLimit: 50,
      throttlingBurstLimit: 100,
    });
    assert.deepEqual(byPath["~1health/GET"].inputs.settings, {
      ...base,
      throttlingRateLimit: 5,
      throttlingBurstLimit: 10,
    });
    for (const s of settings) {
      assert.equal(s.inputs.restApi, one(plainUrn, T.restApi).id);
      assert.equal(s.inputs.stageName, "v1");
      assert.ok(s.dependencies.includes(one(plainUrn, T.account).urn), "after the account role");
    }
  });

  it("encrypts the cache on every method when the cache is on, and logs errors only when asked", () => {
    for (const s of under(domainUrn, T.methodSettings)) {
      const settings = s.inputs.settings as Record<string, unknown>;
      assert.deepEqual(
        {
          loggingLevel: settings.loggingLevel,
          dataTraceEnabled: settings.dataTraceEnabled,
          cachingEnabled: settings.cachingEnabled,
          cacheDataEncrypted: settings.cacheDataEncrypted,
          cacheTtlInSeconds: settings.cacheTtlInSeconds,
          requireAuthorizationForCacheControl: settings.requireAuthorizationForCacheControl,
          unauthorizedCacheControlHeaderStrategy: settings.unauthorizedCacheControlHeaderStrategy,
        },
        {
          loggingLevel: "ERROR",
          dataTraceEnabled: false,
          cachingEnabled: true,
          cacheDataEncrypted: true,
          cacheTtlInSeconds: 300,
          requireAuthorizationForCacheControl: true,
          unauthorizedCacheControlHeaderStrategy: "FAIL_WITH_403",
        },
        String(s.inputs.methodPath),
      );
    }
    for (const s of under(plainUrn, T.methodSettings)) {
      const keys = Object.keys(s.inputs.settings as object);
      assert.equal(keys.filter((k) => /cach/i.test(k)).length, 0, "no cache settings when off");
    }
  });

  it("escapes method paths the way API Gateway keys method settings", () => {
    assert.equal(
      methodSettingsPath({ path: "/v1/workflow-requests/{requestId}", method: "get" }),
      "~1v1~1workflow-requests~1{requestId}/GET",
    );
    assert.equal(methodSettingsPath({ path: "/", method: "GET" }), "~1/GET");
    assert.equal(methodSettingsPath({ path: "/a~b", method: "PUT" }), "~1a~0b/PUT");
  });

  it("sets the account's CloudWatch role with the managed push-to-logs policy, when asked", () => {
    const role = one(plainUrn, T.role);
    assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy as string), {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "apigateway.amazonaws.com" },
          Action: "sts:AssumeRole",
        },
      ],
    });
    const attachment = one(plainUrn, T.attachment);
    assert.equal(
      attachment.inputs.policyArn,
      "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
    );
    const account = one(plainUrn, T.account);
    assert.equal(account.inputs.cloudwatchRoleArn, role.outputs.arn);
    assert.ok(account.dependencies.includes(attachment.urn));
    assert.equal(under(domainUrn, T.account).length, 0);
  });

  it("builds a user pool with no self sign-up, deletion protection when protected, and its token domain", () => {
    const pool = one(plainUrn, T.userPool);
    assert.equal(pool.inputs.deletionProtection, "INACTIVE");
    assert.deepEqual(pool.inputs.adminCreateUserConfig, { allowAdminCreateUserOnly: true });
    assert.equal(pool.inputs.mfaConfiguration, "ON");
    const protectedPool = one(domainUrn, T.userPool);
    assert.equal(protectedPool.inputs.deletionProtection, "ACTIVE");
    assert.equal(protectedPool.protect, true);
    assert.deepEqual(one(plainUrn, T.userPoolDomain).inputs, {
      domain: "acme-test-api",
      userPoolId: pool.id,
    });
  });

  it("declares one resource server per scope identifier with the contract's scopes", () => {
    const servers = under(plainUrn, T.resourceServer)
      .map((r) => r.inputs)
      .sort((a, b) => String(b.identifier).localeCompare(String(a.identifier)));
    const pool = one(plainUrn, T.userPool);
    assert.deepEqual(
      servers.map((s) => ({
        identifier: s.identifier,
        userPoolId: s.userPoolId,
        scopes: (s.scopes as Array<{ scopeName: string }>).map((x) => x.scopeName),
      })),
      [
        { identifier: "workflow-requests", userPoolId: pool.id, scopes: ["submit", "read"] },
        { identifier: "audit", userPoolId: pool.id, scopes: ["read"] },
      ],
    );
    assert.deepEqual(
      [...resourceServersOf(["a/x", "b/y", "a/z", "a/x"])],
      [
        ["a", ["x", "z"]],
        ["b", ["y"]],
      ],
    );
  });

  it("gives the machine-to-machine client client credentials and the contract's scopes only", () => {
    const client = one(plainUrn, T.client);
    assert.deepEqual(client.inputs.allowedOauthFlows, ["client_credentials"]);
    assert.equal(client.inputs.allowedOauthFlowsUserPoolClient, true);
    assert.deepEqual(client.inputs.allowedOauthScopes, [
      "workflow-requests/submit",
      "workflow-requests/read",
      "audit/read",
    ]);
    assert.equal(client.inputs.generateSecret, true);
    assert.deepEqual(client.inputs.explicitAuthFlows, ["ALLOW_REFRESH_TOKEN_AUTH"]);
    assert.equal(client.inputs.accessTokenValidity, 60);
    assert.deepEqual(client.inputs.tokenValidityUnits, {
      accessToken: "minutes",
      idToken: "minutes",
      refreshToken: "minutes",
    });
    assert.equal(client.inputs.enableTokenRevocation, true);
    assert.equal("callbackUrls" in client.inputs, false);
    assert.equal(one(domainUrn, T.client).inputs.accessTokenValidity, 15);
    assert.deepEqual(
      [client.inputs.idTokenValidity, client.inputs.refreshTokenValidity],
      [5, 60],
      "ID and refresh tokens at Cognito's minimums",
    );
    for (const server of under(plainUrn, T.resourceServer)) {
      assert.ok(client.dependencies.includes(server.urn), "scopes exist before the client");
    }
  });

  it("never lets the access token outlive the refresh token, which Cognito refuses", () => {
    assert.deepEqual(clientTokenValidity(1440), {
      accessTokenValidity: 1440,
      idTokenValidity: 5,
      refreshTokenValidity: 1440,
    });
    for (const minutes of [5, 60, 61, 720, 1440]) {
      const v = clientTokenValidity(minutes);
      assert.ok(v.refreshTokenValidity >= 60, `${minutes}: refresh at least 60 minutes`);
      assert.ok(v.refreshTokenValidity >= v.accessTokenValidity, `${minutes}: access <= refresh`);
      assert.ok(v.refreshTokenValidity >= v.idTokenValidity, `${minutes}: ID <= refresh`);
    }
  });

  it("keeps the client secret a secret: in the component's outputs and nowhere in plain text", async () => {
    assert.equal(await pulumi.isSecret(plain.clientSecret), true);
    const client = one(plainUrn, T.client);
    assert.ok(client.additionalSecretOutputs.includes("clientSecret"));
    const component = capture.resources.get(plainUrn) as CapturedResource;
    const wrapped = component.outputs.clientSecret as Record<string, unknown>;
    assert.notEqual(wrapped[SECRET_SIG], undefined);
    assert.equal(wrapped.value, CLIENT_SECRET);
    // Anywhere else, the value may appear only inside a secret; the clients' own state is the
    // provider's (marked secret by additionalSecretOutputs, checked above).
    const redact = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(redact);
      if (value === null || typeof value !== "object") return value;
      if (SECRET_SIG in value) return "[secret]";
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v)]));
    };
    let checked = 0;
    for (const r of capture.resources.values()) {
      if (r.type === T.client) continue;
      checked++;
      assert.doesNotMatch(
        JSON.stringify(redact([r.inputs, r.outputs])),
        new RegExp(CLIENT_SECRET),
        r.urn,
      );
    }
    assert.ok(checked > 60);
  });

  it("protects the stage with a WAF web ACL: rate limit, managed rule groups, default allow", () => {
    const acl = one(plainUrn, T.webAcl);
    const metrics = (metricName: string) => ({
      cloudwatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    const managed = (name: string, priority: number) => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: "AWS", name } },
      visibilityConfig: metrics(`plain-${name}`),
    });
    assert.equal(acl.inputs.scope, "REGIONAL");
    assert.deepEqual(acl.inputs.defaultAction, { allow: {} });
    assert.deepEqual(acl.inputs.visibilityConfig, metrics("plain"));
    assert.deepEqual(acl.inputs.rules, [
      {
        name: "RateLimitPerIp",
        priority: 0,
        action: { block: {} },
        statement: {
          rateBasedStatement: { aggregateKeyType: "IP", limit: 1000, evaluationWindowSec: 300 },
        },
        visibilityConfig: metrics("plain-RateLimitPerIp"),
      },
      managed("AWSManagedRulesCommonRuleSet", 1),
      managed("AWSManagedRulesKnownBadInputsRuleSet", 2),
    ]);
    assert.deepEqual(one(plainUrn, T.webAclAssociation).inputs, {
      resourceArn: one(plainUrn, T.stage).outputs.arn,
      webAclArn: acl.outputs.arn,
    });
  });

  it("logs WAF decisions to an aws-waf-logs- group encrypted with the logs key, token redacted", () => {
    const logs = single(capture, T.logGroup, "plain-waf-logs");
    assert.deepEqual(logs.inputs, {
      namePrefix: "aws-waf-logs-plain-",
      kmsKeyId: LOGS_KEY,
      retentionInDays: 365,
    });
    assert.deepEqual(one(plainUrn, T.webAclLogging).inputs, {
      resourceArn: one(plainUrn, T.webAcl).outputs.arn,
      logDestinationConfigs: [logs.outputs.arn],
      redactedFields: [{ singleHeader: { name: "authorization" } }],
    });
  });

  it("serves a custom domain with a DNS-validated certificate and the TLS 1.3 policy", () => {
    const certificate = one(domainUrn, T.certificate);
    assert.deepEqual(certificate.inputs, {
      domainName: DOMAIN,
      validationMethod: "DNS",
      keyAlgorithm: "RSA_2048",
    });
    const records = under(domainUrn, T.record);
    const validationRecord = records.find((r) => r.name === "edge-domain-validation");
    // The record ACM asked for (tools/mocks.ts answers like ACM: one CNAME per name).
    const [asked] = certificate.outputs.domainValidationOptions as Array<Record<string, string>>;
    assert.equal(asked.domainName, DOMAIN);
    assert.deepEqual(validationRecord?.inputs, {
      zoneId: ZONE,
      name: asked.resourceRecordName,
      type: "CNAME",
      records: [asked.resourceRecordValue],
      ttl: 60,
      allowOverwrite: true,
    });
    const validation = one(domainUrn, T.certificateValidation);
    assert.deepEqual(validation.inputs, {
      certificateArn: certificate.outputs.arn,
      validationRecordFqdns: [asked.resourceRecordName.replace(/\.$/, "")],
    });
    const domain = one(domainUrn, T.domainName);
    assert.deepEqual(domain.inputs, {
      domainName: DOMAIN,
      regionalCertificateArn: validation.outputs.certificateArn,
      endpointConfiguration: { types: "REGIONAL" },
      securityPolicy: "SecurityPolicy_TLS13_1_3_2025_09",
      endpointAccessMode: "STRICT",
    });
    assert.deepEqual(one(domainUrn, T.basePathMapping).inputs, {
      domainName: DOMAIN,
      restApi: one(domainUrn, T.restApi).id,
      stageName: "v1",
    });
    const alias = records.find((r) => r.name === "edge-domain");
    assert.deepEqual(alias?.inputs, {
      zoneId: ZONE,
      name: DOMAIN,
      type: "A",
      aliases: [
        {
          name: `d-0123456789.execute-api.${TEST_REGION}.amazonaws.com`,
          zoneId: "ZLY8HYME6SFDD",
          evaluateTargetHealth: false,
        },
      ],
    });
  });

  it("registers no domain resources without a custom domain", () => {
    for (const type of [
      T.certificate,
      T.certificateValidation,
      T.domainName,
      T.basePathMapping,
      T.record,
    ]) {
      assert.equal(under(plainUrn, type).length, 0, type);
    }
  });

  it("registers the URLs, ids and ARNs clients and operators need as outputs", () => {
    const outputs = (capture.resources.get(plainUrn) as CapturedResource).outputs;
    const api = one(plainUrn, T.restApi);
    const { clientSecret: _secret, ...plainOutputs } = outputs;
    assert.deepEqual(plainOutputs, {
      invokeUrl: `https://${api.id}.execute-api.${TEST_REGION}.amazonaws.com/v1`,
      restApiId: api.id,
      stageArn: one(plainUrn, T.stage).outputs.arn,
      userPoolId: one(plainUrn, T.userPool).id,
      userPoolArn: one(plainUrn, T.userPool).outputs.arn,
      clientId: one(plainUrn, T.client).id,
      tokenEndpoint: `https://acme-test-api.auth.${TEST_REGION}.amazoncognito.com/oauth2/token`,
      webAclArn: one(plainUrn, T.webAcl).outputs.arn,
      accessLogGroupName: single(capture, T.logGroup, "plain-access-logs").outputs.name,
      executionLogGroupName: `API-Gateway-Execution-Logs_${api.id}/v1`,
      vpcLinkId: one(plainUrn, T.vpcLink).id,
      vpcLinkSecurityGroupId: one(plainUrn, T.securityGroup).id,
    });
    const edge = (capture.resources.get(domainUrn) as CapturedResource).outputs;
    assert.equal(edge.invokeUrl, `https://${DOMAIN}`);
  });

  it("passes the pack's log group encryption policy", async () => {
    const result = await evaluateStackExport(
      toStackExport([...capture.resources.values()], "3.248.0"),
      { policies: [acmeCloudwatchLoggroupMissingKmsKey] },
    );
    assert.deepEqual(result.violations, []);
    assert.deepEqual(result.undecidable, []);
  });

  it("accepts the documented limits", () => {
    assert.deepEqual(validateApiGatewayArgs(args()), []);
    assert.deepEqual(
      validateApiGatewayArgs(
        args({
          waf: { rateLimit: 10, evaluationWindowSec: 60 },
          cognito: { domainPrefix: "a", accessTokenValidityMinutes: 1440 },
          cache: { sizeGb: "237", ttlSeconds: 3600 },
          throttle: { rateLimit: 0.5, burstLimit: 0 },
          customDomain: { domainName: DOMAIN, hostedZoneId: ZONE },
        }),
      ),
      [],
    );
  });

  it("names every invalid argument at once, with its fix, and registers nothing", async () => {
    const before = capture.resources.size;
    const bad = args({
      region: "Europe",
      stageName: "v1/beta",
      backendBaseUrl: "http://service-a/",
      loadBalancerArn: "alb",
      vpcLink: {
        vpcId: "vpc-1",
        subnetIds: ["subnet-0a"],
        loadBalancerSecurityGroupId: "sg-1",
        listenerPort: 0,
      },
      logs: {
        kmsKeyArn: "alias/acme/logs",
        retentionInDays: 10,
        executionLoggingLevel: "OFF" as "INFO",
      },
      throttle: { rateLimit: 0, burstLimit: 1.5 },
      cache: { sizeGb: "2" as "0.5", ttlSeconds: 7200 },
      waf: { rateLimit: 5, evaluationWindowSec: 30 as 60 },
      cognito: { domainPrefix: "my-cognito-api", accessTokenValidityMinutes: 2 },
      customDomain: { domainName: "API.Example", hostedZoneId: "zone" },
      api: { ...contract(), scopes: ["submit"] },
    });
    const paths = validateApiGatewayArgs(bad).map((e) => e.propertyPath);
    assert.deepEqual(paths, [
      "region",
      "stageName",
      "loadBalancerArn",
      "backendBaseUrl",
      "vpcLink.listenerPort",
      "vpcLink.subnetIds",
      "logs.kmsKeyArn",
      "logs.retentionInDays",
      "logs.executionLoggingLevel",
      "throttle.rateLimit",
      "throttle.burstLimit",
      "cache.sizeGb",
      "cache.ttlSeconds",
      "waf.rateLimit",
      "waf.evaluationWindowSec",
      "cognito.domainPrefix",
      "cognito.accessTokenValidityMinutes",
      "customDomain.domainName",
      "customDomain.hostedZoneId",
      "api.scopes",
      "api.operations[submitWorkflowRequest]",
      "api.operations[getWorkflowRequest]",
      "api.operations[getWorkflowRequest]",
    ]);
    assert.throws(
      () => new ApiGateway("bad", bad),
      (e: Error) =>
        pulumi.InputPropertiesError.isInstance(e) &&
        e.message.startsWith(`ApiGateway: ${paths.length} invalid arguments:\n`) &&
        e.message.includes(
          '  - cognito.domainPrefix: "my-cognito-api" cannot be a Cognito domain prefix; use a DNS ' +
            'label (lower-case letters, digits, "-") without "aws", "amazon" or "cognito"',
        ) &&
        e.message.includes(
          '  - api.operations[submitWorkflowRequest]: requires scope "workflow-requests/submit", ' +
            "which is not in api.scopes",
        ),
    );
    await capture.settle();
    assert.equal(capture.resources.size, before);
  });

  it("rejects a contract without operations, duplicate routes and bad throttles", () => {
    const reasons = (api: ContractApi) =>
      validateApiGatewayArgs(args({ api })).map((e) => `${e.propertyPath}: ${e.reason}`);
    assert.deepEqual(reasons({ ...contract(), operations: [] }), [
      "api: the contract has no operations to serve",
    ]);
    const base = contract();
    assert.deepEqual(
      reasons({
        ...base,
        operations: [
          ...base.operations,
          op(
            "again",
            "post",
            "/v1/workflow-requests",
            { kind: "iam" },
            {
              rateLimit: -1,
              burstLimit: 2,
            },
          ),
        ],
      }),
      [
        "api.operations[again]: post /v1/workflow-requests appears twice",
        "api.operations[again].throttle.rateLimit: must be more than 0; got -1",
      ],
    );
  });
});
