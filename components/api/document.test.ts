import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { createConfig, lintFromString } from "@redocly/openapi-core";
import Ajv04 from "ajv-draft-04";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { CONTRACTS_DIR, dereferencedHttpContract, HTTP_CONTRACTS_DIR } from "../../contracts";
import {
  contractApi,
  contractApiFromDocument,
  ContractNotEnforceableError,
  documentHash,
  GATEWAY_RESPONSES,
  integrationUri,
  PROBLEM_TYPE_BASE,
  REQUEST_VALIDATORS,
  stableStringify,
  toDraft4,
  type ContractProblem,
} from "./document";
import type { ApiRefs } from "./types";

const REFS: ApiRefs = {
  vpcLinkId: "vl-0123",
  loadBalancerArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/front/1",
  backendBaseUrl: "https://service-a.internal.acme.example",
  userPoolArns: ["arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_abc"],
};

type Doc = {
  paths: Record<string, Record<string, RenderedOp>>;
  components: { schemas?: Record<string, object>; securitySchemes?: Record<string, Scheme> };
  "x-amazon-apigateway-request-validators": Record<string, typeof REQUEST_VALIDATORS.parameters>;
  "x-amazon-apigateway-gateway-responses": Record<string, GatewayResponse>;
};
type RenderedOp = {
  operationId: string;
  parameters?: { name: string; in: string; required: boolean }[];
  requestBody?: { content: { "application/json": { schema: { $ref: string } } } };
  security: Record<string, string[]>[];
  "x-amazon-apigateway-request-validator"?: string;
  "x-amazon-apigateway-integration"?: Record<string, unknown>;
};
type Scheme = Record<string, unknown> & { "x-amazon-apigateway-authorizer"?: object };
type GatewayResponse = {
  statusCode: string;
  responseParameters: Record<string, string>;
  responseTemplates: Record<string, string>;
};

const api = contractApi("service-a");
const doc = api.render(REFS) as unknown as Doc;
const contract = dereferencedHttpContract("service-a") as {
  paths: Record<string, Record<string, ContractOp>>;
};
type ContractOp = {
  operationId: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; example?: unknown }[];
  requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> };
};
const contractOps = Object.entries(contract.paths).flatMap(([p, item]) =>
  Object.entries(item).map(([m, op]) => ({ path: p, method: m, op })),
);
const renderedOp = (operationId: string) => {
  for (const item of Object.values(doc.paths)) {
    for (const op of Object.values(item)) if (op.operationId === operationId) return op;
  }
  throw new Error(`no rendered operation ${operationId}`);
};

// ---- API Gateway's request validation, simulated on the rendered document -------------------

/** A request as the examples write it. */
interface Request {
  headers?: Record<string, string>;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
}
/** A field named in an answer, as in a problem's `errors`. */
type Field = { pointer: string } | { header: string } | { parameter: string };

const ajv = new Ajv04({ allErrors: true, strict: true });
addFormats(ajv);
const models = new Map<string, ReturnType<typeof ajv.compile>>();

/**
 * What API Gateway does with a request, from the rendered document only: required parameters
 * must be present and non-blank (validateRequestParameters), the body must match the draft-4
 * model (validateRequestBody). Returns the fields it rejects, or [] when it lets the request through.
 */
function gateway(operationId: string, request: Request): Field[] {
  const op = renderedOp(operationId);
  const validator =
    doc["x-amazon-apigateway-request-validators"][op["x-amazon-apigateway-request-validator"]!];
  const fields: Field[] = [];
  if (validator.validateRequestParameters) {
    for (const p of op.parameters ?? []) {
      if (!p.required) continue;
      const value =
        p.in === "header"
          ? Object.entries(request.headers ?? {}).find(
              ([k]) => k.toLowerCase() === p.name.toLowerCase(),
            )?.[1]
          : p.in === "path"
            ? request.pathParameters?.[p.name]
            : request.query?.[p.name];
      if (value === undefined || value.trim() === "") {
        fields.push(p.in === "header" ? { header: p.name } : { parameter: p.name });
      }
    }
  }
  if (validator.validateRequestBody && op.requestBody) {
    const name = op.requestBody.content["application/json"].schema.$ref.split("/").pop()!;
    let validate = models.get(name);
    if (!validate) {
      validate = ajv.compile(doc.components.schemas![name]);
      models.set(name, validate);
    }
    if (!validate(request.body)) {
      for (const e of validate.errors ?? []) {
        const missing = e.keyword === "required" ? `/${String(e.params.missingProperty)}` : "";
        const extra =
          e.keyword === "additionalProperties" ? `/${String(e.params.additionalProperty)}` : "";
        fields.push({ pointer: `${e.instancePath}${missing}${extra}` || "/" });
      }
    }
  }
  return fields;
}

const EXAMPLES_DIR = path.join(HTTP_CONTRACTS_DIR, "examples");
const invalidExamples = (operationId: string) => {
  const dir = path.join(EXAMPLES_DIR, operationId, "invalid");
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .sort()
        .map((f) => ({
          file: f,
          ...(JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as {
            description: string;
            expectedError: Field;
            request: Request;
          }),
        }))
    : [];
};

/**
 * What the gateway does with each invalid example: "rejects" it naming the example's field, or
 * "passes" it on (API Gateway checks only a parameter's presence; Service A checks its value).
 * Written out rather than derived, so a change in what the gateway enforces shows here.
 */
const GATEWAY_VERDICTS: Record<string, Record<string, "rejects" | "passes">> = {
  submitWorkflowRequest: {
    "idempotency-key-bad-characters.json": "passes",
    "missing-idempotency-key.json": "rejects",
    "missing-workflow-template.json": "rejects",
    // propertyNames has no OpenAPI 3.0 / draft-4 form (see the relaxations test).
    "parameter-name-not-identifier.json": "passes",
    "parameter-name-too-long.json": "passes",
    "parameter-not-string.json": "rejects",
    "unexpected-field.json": "rejects",
    "unknown-priority.json": "rejects",
    "workflow-template-not-dns-label.json": "rejects",
    "workflow-template-too-long.json": "rejects",
  },
  getWorkflowRequest: { "request-id-not-uuid.json": "passes" },
};

/** The contract's own valid requests: each body example with every parameter's example. */
function validRequests(op: ContractOp): { name: string; request: Request }[] {
  const base: Request = { headers: {}, pathParameters: {} };
  for (const p of op.parameters ?? []) {
    if (p.example === undefined) continue;
    if (p.in === "header") base.headers![p.name] = String(p.example);
    if (p.in === "path") base.pathParameters![p.name] = String(p.example);
  }
  const bodies = Object.entries(op.requestBody?.content["application/json"]?.examples ?? {});
  if (bodies.length === 0) return [{ name: "parameter examples", request: base }];
  return bodies.map(([name, ex]) => ({ name, request: { ...base, body: ex.value } }));
}

describe("API Gateway document from the service-a contract", () => {
  describe("requests through the models exactly as rendered (draft-4 validation)", () => {
    for (const { op } of contractOps) {
      for (const { name, request } of validRequests(op)) {
        it(`${op.operationId}: the contract's example ${name} passes`, () => {
          assert.deepEqual(gateway(op.operationId, request), []);
        });
      }
      it(`${op.operationId}: every invalid example has a written verdict`, () => {
        assert.deepEqual(
          invalidExamples(op.operationId).map((e) => e.file),
          Object.keys(GATEWAY_VERDICTS[op.operationId] ?? {}).sort(),
        );
      });
      for (const example of invalidExamples(op.operationId)) {
        const verdict = GATEWAY_VERDICTS[op.operationId]?.[example.file];
        it(`${op.operationId}: ${example.file} ${verdict === "passes" ? "passes the gateway (Service A rejects it)" : "is rejected naming its field"}`, () => {
          const fields = gateway(op.operationId, example.request);
          if (verdict === "passes") assert.deepEqual(fields, [], example.description);
          else
            assert.ok(
              fields.some((f) => JSON.stringify(f) === JSON.stringify(example.expectedError)),
              `${example.description}: expected ${JSON.stringify(example.expectedError)} among ${JSON.stringify(fields)}`,
            );
        });
      }
    }

    it("the body model is draft 4; the only rule left to Service A is the parameter names", () => {
      const model = doc.components.schemas!.SubmitWorkflowRequestBody as {
        properties: { parameters: Record<string, unknown> };
      };
      assert.deepEqual(model.properties.parameters, {
        type: "object",
        maxProperties: 64,
        additionalProperties: { type: "string", maxLength: 8192 },
      });
      assert.deepEqual(
        api.relaxed.map((r) => `${r.pointer} ${r.keyword}`),
        [
          "#/paths/~1v1~1workflow-requests/post/requestBody/content/application~1json/schema/properties/parameters/propertyNames propertyNames",
        ],
      );
    });
  });

  describe("authorization", () => {
    it("every operation has a validator, and an authorizer or the contract's explicit public mark", () => {
      const validators = doc["x-amazon-apigateway-request-validators"];
      for (const { op } of contractOps) {
        const rendered = renderedOp(op.operationId);
        assert.ok(rendered["x-amazon-apigateway-request-validator"]! in validators);
        const security = rendered.security;
        if (op.security?.length === 0) assert.deepEqual(security, [], op.operationId);
        else {
          assert.equal(security.length, 1, op.operationId);
          const [scheme] = Object.keys(security[0]);
          assert.ok(doc.components.securitySchemes?.[scheme], `${op.operationId} → ${scheme}`);
        }
      }
    });

    it("each operation's scopes are the contract's, checked by a cognito_user_pools authorizer", () => {
      for (const { op } of contractOps) {
        const contractScopes = op.security![0].oauth2;
        assert.deepEqual(renderedOp(op.operationId).security, [{ cognito: contractScopes }]);
        const rendered = api.operations.find((o) => o.operationId === op.operationId)!;
        assert.deepEqual(rendered.authorization, { kind: "scopes", scopes: contractScopes });
      }
      assert.deepEqual(doc.components.securitySchemes!.cognito, {
        type: "apiKey",
        name: "Authorization",
        in: "header",
        "x-amazon-apigateway-authtype": "cognito_user_pools",
        "x-amazon-apigateway-authorizer": {
          type: "cognito_user_pools",
          providerARNs: REFS.userPoolArns,
        },
      });
      assert.deepEqual(api.scopes, ["workflow-requests/read", "workflow-requests/submit"]);
    });

    it("the caller header is set from the token's client, not taken from the client", () => {
      const post = api.operations.find((o) => o.operationId === "submitWorkflowRequest")!;
      assert.equal(
        post.integration.requestParameters["integration.request.header.X-Acme-Caller"],
        "context.authorizer.claims.client_id",
      );
      assert.ok(
        !(renderedOp("submitWorkflowRequest").parameters ?? []).some(
          (p) => p.name === "X-Acme-Caller",
        ),
      );
    });

    const fixture = (security: unknown, schemes: Record<string, unknown>) => ({
      openapi: "3.0.3",
      info: { title: "Fixture", version: "1.0.0" },
      components: { securitySchemes: schemes },
      paths: {
        "/things/{id}": {
          get: {
            operationId: "getThing",
            ...(security === undefined ? {} : { security }),
            parameters: [
              { name: "id", in: "path", required: true, schema: { type: "string" } },
              {
                name: "X-Caller",
                in: "header",
                "x-caller-identity": true,
                schema: { type: "string" },
              },
            ],
            responses: { "200": { description: "ok" } },
          },
        },
      },
    });

    it("security: [] is public; an http AWS4-HMAC-SHA256 scheme is AWS_IAM", () => {
      const sigv4 = { sigv4: { type: "http", scheme: "AWS4-HMAC-SHA256" } };
      const pub = contractApiFromDocument(fixture([], sigv4), "fixture");
      assert.deepEqual(pub.operations[0].authorization, { kind: "public" });
      assert.equal(
        pub.operations[0].integration.requestParameters["integration.request.header.X-Caller"],
        "'anonymous'",
      );
      assert.deepEqual((pub.render(REFS) as unknown as Doc).paths["/things/{id}"].get.security, []);

      const iam = contractApiFromDocument(fixture([{ sigv4: [] }], sigv4), "fixture");
      assert.deepEqual(iam.operations[0].authorization, { kind: "iam" });
      assert.deepEqual(iam.scopes, []);
      const rendered = iam.render({ ...REFS, userPoolArns: [] }) as unknown as Doc;
      assert.deepEqual(rendered.paths["/things/{id}"].get.security, [{ sigv4: [] }]);
      assert.equal(
        rendered.components.securitySchemes!.sigv4["x-amazon-apigateway-authtype"],
        "awsSigv4",
      );
      assert.equal(
        iam.operations[0].integration.requestParameters["integration.request.header.X-Caller"],
        "context.identity.userArn",
      );
    });

    it("refuses an operation that is neither secured nor marked public, naming it", () => {
      assert.throws(
        () => contractApiFromDocument(fixture(undefined, {}), "fixture.yaml"),
        (e: Error) =>
          e instanceof ContractNotEnforceableError &&
          e.message.includes("fixture.yaml#/paths/~1things~1{id}/get: security:") &&
          e.message.includes("`security: []` to mark it public"),
      );
    });

    it("refuses alternatives, unknown schemes and scopes outside Cognito's form", () => {
      const oauth = {
        o: {
          type: "oauth2",
          flows: { clientCredentials: { tokenUrl: "https://t", scopes: { read: "r" } } },
        },
        key: { type: "apiKey", name: "k", in: "header" },
      };
      const problems = (security: unknown) => {
        try {
          contractApiFromDocument(fixture(security, oauth), "f");
        } catch (e) {
          return (e as ContractNotEnforceableError).problems.map((p) => p.reason);
        }
        return [];
      };
      assert.match(problems([{ o: ["read"] }, { key: [] }]).join(), /exactly one authorizer/);
      assert.match(problems([{ key: [] }]).join(), /cannot enforce a "apiKey" scheme/);
      assert.match(problems([{ o: ["read"] }]).join(), /<resource server>\/<scope>/);
      assert.match(problems([{ o: ["write"] }]).join(), /scope "write" is not declared/);
    });
  });

  describe("integration (VPC link v2 to the load balancer)", () => {
    it("each operation proxies to backendBaseUrl + its path, path parameters mapped", () => {
      const byId = Object.fromEntries(api.operations.map((o) => [o.operationId, o]));
      assert.equal(
        integrationUri(REFS.backendBaseUrl, byId.submitWorkflowRequest),
        "https://service-a.internal.acme.example/v1/workflow-requests",
      );
      assert.equal(
        integrationUri(REFS.backendBaseUrl, byId.getWorkflowRequest),
        "https://service-a.internal.acme.example/v1/workflow-requests/{requestId}",
      );
      assert.deepEqual(byId.getWorkflowRequest.integration, {
        type: "HTTP_PROXY",
        httpMethod: "GET",
        path: "/v1/workflow-requests/{requestId}",
        requestParameters: {
          "integration.request.path.requestId": "method.request.path.requestId",
        },
        timeoutMilliseconds: 29_000,
      });
      assert.equal(byId.submitWorkflowRequest.integration.httpMethod, "POST");
    });

    it("by default the document carries no integration (the component creates them)", () => {
      assert.ok(!JSON.stringify(doc).includes("x-amazon-apigateway-integration"));
    });

    it('with integrations: "document" each operation carries the VPC link v2 integration', () => {
      const inDoc = contractApi("service-a", { integrations: "document" }).render(
        REFS,
      ) as unknown as Doc;
      assert.deepEqual(
        inDoc.paths["/v1/workflow-requests/{requestId}"].get["x-amazon-apigateway-integration"],
        {
          type: "http_proxy",
          httpMethod: "GET",
          uri: "https://service-a.internal.acme.example/v1/workflow-requests/{requestId}",
          connectionType: "VPC_LINK",
          connectionId: REFS.vpcLinkId,
          integrationTarget: REFS.loadBalancerArn,
          requestParameters: {
            "integration.request.path.requestId": "method.request.path.requestId",
          },
          timeoutInMillis: 29_000,
          passthroughBehavior: "when_no_match",
        },
      );
    });
  });

  describe("gateway responses", () => {
    it("answer application/problem+json with the contract's problem shape, status as answered", () => {
      const responses = doc["x-amazon-apigateway-gateway-responses"];
      for (const type of [
        "BAD_REQUEST_BODY",
        "BAD_REQUEST_PARAMETERS",
        "UNAUTHORIZED",
        "ACCESS_DENIED",
        "THROTTLED",
        "DEFAULT_4XX",
        "DEFAULT_5XX",
      ]) {
        const r = responses[type];
        assert.equal(
          r.responseParameters["gatewayresponse.header.Content-Type"],
          "'application/problem+json'",
        );
        // Fill the $context variables as API Gateway would, then parse: it must be a Problem.
        const body = JSON.parse(
          r.responseTemplates["application/json"]
            .replace("$context.error.validationErrorString", "[instance failed to match pattern]")
            .replace("$context.error.message", "Unauthorized")
            .replace("$context.requestId", "c0ffee"),
        ) as { type: string; title: string; status: number; detail: string; requestId: string };
        assert.equal(String(body.status), r.statusCode, type);
        assert.ok(body.type.startsWith(PROBLEM_TYPE_BASE), type);
        assert.equal(typeof body.title, "string");
        assert.equal(body.requestId, "c0ffee");
      }
      assert.match(
        responses.BAD_REQUEST_BODY.responseTemplates["application/json"],
        /"detail":"\$context\.error\.validationErrorString"/,
      );
      assert.equal(responses.THROTTLED.statusCode, "429");
      assert.equal(
        responses.THROTTLED.responseParameters["gatewayresponse.header.Retry-After"],
        "'1'",
      );
      assert.deepEqual(Object.keys(responses).sort(), Object.keys(GATEWAY_RESPONSES).sort());
    });

    it("the problem type base is the one the contract's own problems use", () => {
      const text = fs.readFileSync(path.join(HTTP_CONTRACTS_DIR, "service-a.openapi.yaml"), "utf8");
      const types = [...text.matchAll(/type: (https:\/\/\S+\/problems\/)\S+/g)].map((m) => m[1]);
      assert.ok(types.length >= 2);
      for (const t of types) assert.equal(t, PROBLEM_TYPE_BASE);
    });
  });

  describe("the document", () => {
    it("is valid OpenAPI 3.0 (redocly's struct rule)", async () => {
      const config = await createConfig({
        rules: { struct: "error", "no-unresolved-refs": "error" },
      });
      for (const mode of ["resources", "document"] as const) {
        const body = contractApi("service-a", { integrations: mode }).render(REFS);
        const problems = await lintFromString({
          source: JSON.stringify(body),
          absoluteRef: path.join(CONTRACTS_DIR, "rendered.json"),
          config,
        });
        assert.deepEqual(
          problems.map((p) => `${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`),
          [],
          mode,
        );
      }
    });

    it("no AWS extension leaked into the contracts", () => {
      const leaks: string[] = [];
      const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
          const file = path.join(dir, entry.name);
          if (entry.isDirectory()) walk(file);
          else if (/x-amazon-apigateway/i.test(fs.readFileSync(file, "utf8"))) leaks.push(file);
        }
      };
      walk(HTTP_CONTRACTS_DIR);
      walk(path.join(CONTRACTS_DIR, "messages"));
      assert.deepEqual(leaks, []);
    });

    it("renders deterministically, and the hash changes exactly when the document does", () => {
      const again = contractApi("service-a").render(REFS);
      assert.equal(stableStringify(again), stableStringify(doc));
      assert.equal(documentHash(again), documentHash(doc as unknown as Record<string, unknown>));
      const other = contractApi("service-a").render({ ...REFS, userPoolArns: ["arn:other"] });
      assert.notEqual(documentHash(other), documentHash(again));
      assert.equal(stableStringify({ b: 1, a: { d: 1, c: 2 } }), '{"a":{"c":2,"d":1},"b":1}');
    });

    it("refuses to render OAuth2 operations without a user pool", () => {
      assert.throws(() => api.render({ ...REFS, userPoolArns: [] }), /at least one user pool ARN/);
    });
  });

  describe("per-operation throttling", () => {
    const withLimit = (limit: unknown) => ({
      openapi: "3.0.3",
      info: { title: "Fixture", version: "1.0.0" },
      paths: {
        "/x": {
          get: {
            operationId: "getX",
            security: [],
            "x-rate-limit": limit,
            parameters: [{ name: "q", in: "query", example: "1", schema: { type: "string" } }],
            responses: { "200": { description: "ok" } },
          },
        },
      },
    });
    it("x-rate-limit becomes the operation's throttle, and stays out of the document", () => {
      const a = contractApiFromDocument(withLimit({ requestsPerSecond: 5, burst: 10 }), "f");
      assert.deepEqual(a.operations[0].throttle, { rateLimit: 5, burstLimit: 10 });
      assert.ok(!JSON.stringify(a.render(REFS)).includes("x-rate-limit"));
      assert.equal(
        contractApi("service-a").operations.some((o) => o.throttle),
        false,
      );
    });
    it("a malformed x-rate-limit is named", () => {
      assert.throws(
        () => contractApiFromDocument(withLimit({ requestsPerSecond: 5 }), "f.yaml"),
        /f\.yaml#\/paths\/~1x\/get\/x-rate-limit: x-rate-limit/,
      );
    });
  });
});

describe("models: OpenAPI 3.0 schemas to what API Gateway's draft-4 validator enforces", () => {
  const convert = (schema: object) => {
    const problems: ContractProblem[] = [];
    return { out: toDraft4(schema, "#/s", problems), problems };
  };

  it("translates nullable, const, integer exclusive bounds, and drops annotations", () => {
    assert.deepEqual(
      convert({
        type: "object",
        description: "d",
        example: { a: 1 },
        "x-note": 1,
        required: ["id", "n"],
        properties: {
          id: { type: "string", readOnly: true },
          n: {
            type: "integer",
            minimum: 0,
            exclusiveMinimum: true,
            maximum: 10,
            exclusiveMaximum: true,
          },
          s: { type: "string", nullable: true, enum: ["a"] },
          k: { const: "fixed" },
          w: { type: "string", writeOnly: true, format: "date-time" },
          i: { type: "integer", format: "int64" },
        },
      }),
      {
        out: {
          type: "object",
          required: ["n"],
          properties: {
            id: { type: "string" },
            n: { type: "integer", minimum: 1, maximum: 9 },
            s: { type: ["string", "null"], enum: ["a", null] },
            k: { enum: ["fixed"] },
            w: { type: "string", format: "date-time" },
            i: { type: "integer" },
          },
        },
        problems: [],
      },
    );
  });

  it("accepts a format draft 4 lacks only beside a pattern that enforces it", () => {
    assert.deepEqual(convert({ type: "string", format: "uuid", pattern: "^[0-9a-f-]{36}$" }), {
      out: { type: "string", pattern: "^[0-9a-f-]{36}$" },
      problems: [],
    });
  });

  it("throws ONE error naming every unenforceable place in a bad contract, with keyword and fix", () => {
    const bad = {
      openapi: "3.0.3",
      info: { title: "Bad", version: "1.0.0" },
      paths: {
        "/orders": {
          post: {
            operationId: "createOrder",
            security: [],
            requestBody: {
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    properties: {
                      id: { type: "string", format: "uuid" },
                      kind: { oneOf: [{ type: "string" }, { type: "integer" }] },
                      pet: { type: "object", discriminator: { propertyName: "t" } },
                      price: { type: "number", minimum: 0, exclusiveMinimum: true },
                      lines: { type: "array", items: { type: "string" }, minItems: 1 },
                      tags: { type: "object", patternProperties: { "^a$": { type: "string" } } },
                      when: { if: { type: "string" } },
                    },
                  },
                },
              },
            },
            responses: { "201": { description: "created" } },
          },
        },
      },
    };
    const error = (() => {
      try {
        contractApiFromDocument(bad, "contracts/http/bad.openapi.yaml");
      } catch (e) {
        return e as ContractNotEnforceableError;
      }
      throw new Error("the bad contract was accepted");
    })();
    assert.ok(error instanceof ContractNotEnforceableError);
    const at = "#/paths/~1orders/post/requestBody/content/application~1json/schema/properties";
    assert.deepEqual(
      error.problems.map((p) => `${p.pointer} ${p.keyword}`),
      [
        `${at}/id/format format`,
        `${at}/kind/oneOf oneOf`,
        `${at}/pet/discriminator discriminator`,
        `${at}/price/exclusiveMinimum exclusiveMinimum`,
        `${at}/lines/minItems minItems`,
        `${at}/tags/patternProperties patternProperties`,
        `${at}/when/if if`,
      ],
    );
    // One message, one line per place, each with the file, the pointer, the keyword and a fix.
    const lines = error.message.split("\n").slice(1);
    assert.equal(lines.length, 7);
    for (const line of lines) {
      assert.match(
        line,
        /^- contracts\/http\/bad\.openapi\.yaml#\/paths\/~1orders\/post\/.+: \S+: .+; fix: .+/,
      );
    }
    assert.match(
      error.message,
      /format: JSON Schema draft 4 has no format "uuid".*fix: add a pattern/,
    );
  });

  it("the service-a contract needs none of that: it renders without a problem", () => {
    assert.doesNotThrow(() => contractApi("service-a"));
    assert.deepEqual(
      convert({
        type: "object",
        properties: { "1a": {} },
        additionalProperties: false,
        propertyNames: { pattern: "^[a-z]" },
      }).problems.map((p) => p.pointer),
      ["#/s/properties/1a"],
    );
    // and the raw contract is what the test rendered from (no AWS detail to strip)
    const raw = parse(
      fs.readFileSync(path.join(HTTP_CONTRACTS_DIR, "service-a.openapi.yaml"), "utf8"),
    ) as object;
    assert.ok(!JSON.stringify(raw).includes("amazon"));
  });
});
