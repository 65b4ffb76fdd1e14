/**
 * Renders an HTTP contract (contracts/http/<name>.openapi.yaml) into the OpenAPI 3.0 document API
 * Gateway's REST import takes as the REST API's `body`. Pure: no Pulumi, no AWS calls. The
 * contract stays free of AWS details; everything AWS-specific is added here:
 * - request validators on every operation (body and parameters where there is a body);
 * - request models converted to JSON Schema draft 4, the dialect API Gateway's validator uses,
 *   or one error listing every place the contract asks for something that validator cannot enforce;
 * - a `cognito_user_pools` authorizer for the contract's OAuth2 scheme (each operation's scopes in
 *   its security requirement, which API Gateway checks against the access token), AWS_IAM for an
 *   operation secured by an `http` scheme `AWS4-HMAC-SHA256`, nothing for `security: []`;
 * - gateway responses that answer `application/problem+json`, the contract's error shape;
 * - the HTTP_PROXY integration of each operation over the VPC link v2 (see `OperationIntegration`
 *   in types.ts for why it is rendered as data for `aws.apigateway.Integration` by default).
 * docs/api.md explains each choice and what API Gateway cannot enforce.
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import { CONTRACTS_DIR, dereferencedHttpContract, httpContractFile } from "../../contracts";
import type {
  ApiRefs,
  ContractApi,
  OperationAuthorization,
  OperationIntegration,
  OperationThrottle,
  RenderedOperation,
} from "./types";

type Schema = Record<string, unknown>;
type Json = unknown;

interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  description?: string;
  schema?: Schema;
  [extension: `x-${string}`]: unknown;
}
interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: Schema }> };
  responses: Record<string, { description: string }>;
  [extension: `x-${string}`]: unknown;
}
interface SecurityScheme {
  type: string;
  scheme?: string;
  description?: string;
  flows?: Record<string, { scopes?: Record<string, string> }>;
}
interface Contract {
  openapi: string;
  info: Record<string, unknown>;
  security?: Record<string, string[]>[];
  paths: Record<string, Record<string, Operation>>;
  components?: { securitySchemes?: Record<string, SecurityScheme> };
}

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"] as const;

/**
 * Contract extension: the header parameter the front door sets from the authenticated caller
 * (the token's client id, the IAM principal's ARN, or `anonymous` on a public operation); any
 * value a client sends is replaced. Vendor-neutral: it says what the header means, not how.
 */
export const CALLER_IDENTITY_EXTENSION = "x-caller-identity";

/**
 * Contract extension on an operation: `{ requestsPerSecond, burst }`, the steady rate and burst
 * the front door admits for that operation (beyond the stage's own limits).
 */
export const RATE_LIMIT_EXTENSION = "x-rate-limit";

/**
 * The `http` security scheme that marks an operation as signed with AWS Signature Version 4 (the
 * `Authorization` scheme SigV4 requests carry), rendered as API Gateway's AWS_IAM authorization.
 * A contract declares `{ type: http, scheme: AWS4-HMAC-SHA256 }` under any scheme name.
 */
export const SIGV4_HTTP_SCHEME = "AWS4-HMAC-SHA256";

/**
 * The problem `type` base URI, as in every problem the contract's examples and Service A answer
 * (services/kit/src/problem.ts holds the services' copy; document.test.ts checks they agree with
 * the contract).
 */
export const PROBLEM_TYPE_BASE = "https://contracts.acme.example/problems/";

/** Request validator names in the rendered document. */
export const REQUEST_VALIDATORS = {
  bodyAndParameters: { validateRequestBody: true, validateRequestParameters: true },
  parameters: { validateRequestBody: false, validateRequestParameters: true },
} as const;
type ValidatorName = keyof typeof REQUEST_VALIDATORS;

/** API Gateway's default integration timeout for REST APIs (the most it allows without a quota increase). */
export const DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000;

/** Options of {@link contractApi}. */
export interface ContractApiOptions {
  /**
   * Where the VPC link v2 integration of each operation lives.
   * - `"resources"`: the document carries none; the ApiGateway component creates one
   *   `aws.apigateway.Integration` per operation from `RenderedOperation.integration`, with
   *   `integrationTarget`, which the OpenAPI import is not documented to accept (docs/api.md).
   * - `"document"`: each operation carries `x-amazon-apigateway-integration` with
   *   `integrationTarget`, for when AWS documents that the import accepts it.
   * @default "resources"
   */
  integrations?: "resources" | "document";
  /** @default DEFAULT_INTEGRATION_TIMEOUT_MS (29 s) */
  timeoutMilliseconds?: number;
}

/** {@link ContractApi} plus what the gateway leaves to the service. */
export interface DocumentApi extends ContractApi {
  /**
   * Body-schema rules API Gateway cannot check, each left to Service A, which validates every
   * request with the full contract (docs/api.md). Anything else it cannot check is an error.
   */
  relaxed: ContractProblem[];
}

/** One place the contract asks for something API Gateway cannot render or enforce. */
export interface ContractProblem {
  /** JSON Pointer into the dereferenced contract (a `$ref` target shows at the referencing place). */
  pointer: string;
  keyword: string;
  reason: string;
  fix: string;
}

const escapePointer = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");
const pascal = (s: string) =>
  s.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_m, _sep: string, c: string) => c.toUpperCase());

// ---------------------------------------------------------------------------------------------
// Models: OpenAPI 3.0 schema objects -> JSON Schema draft 4 that API Gateway's validator enforces.
// ---------------------------------------------------------------------------------------------

/** Keywords draft 4 validates and API Gateway's models keep as they are. */
const DRAFT4_KEPT = new Set([
  "type",
  "enum",
  "multipleOf",
  "maximum",
  "minimum",
  "maxLength",
  "minLength",
  "pattern",
  "maxProperties",
  "minProperties",
  "required",
  "uniqueItems",
  "not",
]);
/** Annotations: no validation meaning, dropped from models. */
const ANNOTATIONS = new Set([
  "title",
  "description",
  "example",
  "examples",
  "externalDocs",
  "deprecated",
  "xml",
  "default",
  "writeOnly",
  "$comment",
]);
/** The `format`s draft 4 defines (ajv-formats and API Gateway's validator know them). */
const DRAFT4_FORMATS = new Set(["date-time", "email", "hostname", "ipv4", "ipv6", "uri"]);
/** OpenAPI's numeric formats: `type` and the bounds carry the check; API Gateway's import rejects them. */
const NUMERIC_FORMATS = new Set(["int32", "int64", "float", "double"]);

/** Keywords that API Gateway cannot enforce, each with its reason and fix. */
const UNSUPPORTED: Record<string, { reason: string; fix: string }> = {
  oneOf: {
    reason: "API Gateway's models do not support oneOf",
    fix: "flatten the alternatives into one object schema, or move the choice to Service A",
  },
  anyOf: {
    reason: "API Gateway's models do not support anyOf",
    fix: "flatten the alternatives into one schema, or move the choice to Service A",
  },
  discriminator: {
    reason: "API Gateway does not support discriminator in any schema",
    fix: "remove it and flatten the polymorphic schema",
  },
  minItems: {
    reason: "API Gateway's import leaves minItems out of request validation",
    fix: "remove it from request schemas (Service A checks it) or validate the length in Service A",
  },
  maxItems: {
    reason: "API Gateway's import leaves maxItems out of request validation",
    fix: "remove it from request schemas (Service A checks it) or validate the length in Service A",
  },
};

function convertExclusive(
  s: Schema,
  bound: "minimum" | "maximum",
  out: Schema,
  at: string,
  problems: ContractProblem[],
): void {
  const keyword = bound === "minimum" ? "exclusiveMinimum" : "exclusiveMaximum";
  const flag = s[keyword];
  if (flag === undefined || flag === false) return;
  const limit = s[bound];
  if (typeof flag !== "boolean" || typeof limit !== "number") {
    problems.push({
      pointer: `${at}/${keyword}`,
      keyword,
      reason: `OpenAPI 3.0's ${keyword} is a boolean beside a numeric ${bound}`,
      fix: `write ${bound}: <n> with ${keyword}: true`,
    });
    return;
  }
  // API Gateway does not support exclusiveMinimum/exclusiveMaximum; for integers the same bound
  // is an inclusive one a step further, which it does enforce.
  if (s.type === "integer" && Number.isInteger(limit)) {
    out[bound] = bound === "minimum" ? limit + 1 : limit - 1;
    return;
  }
  problems.push({
    pointer: `${at}/${keyword}`,
    keyword,
    reason: `API Gateway does not support ${keyword}, and a non-integer bound has no inclusive equivalent`,
    fix: `use an inclusive ${bound}, or make the schema type integer`,
  });
}

/**
 * `propertyNames` (draft 6+, not OpenAPI 3.0) has no draft-4 form that is also valid OpenAPI 3.0
 * (`patternProperties` is neither), so the gateway cannot check property names: the keyword is
 * dropped and the place recorded as a relaxation, left to Service A. Declared property names are
 * checked against it here, so the contract cannot contradict itself.
 */
function dropPropertyNames(
  s: Schema,
  at: string,
  problems: ContractProblem[],
  relaxed: ContractProblem[],
): void {
  const names = s.propertyNames as Schema;
  const pattern = typeof names.pattern === "string" ? new RegExp(names.pattern, "u") : undefined;
  for (const declared of Object.keys((s.properties as Schema | undefined) ?? {})) {
    if (pattern && !pattern.test(declared)) {
      problems.push({
        pointer: `${at}/properties/${escapePointer(declared)}`,
        keyword: "propertyNames",
        reason: `the declared property "${declared}" breaks the schema's own propertyNames`,
        fix: "rename the property or widen propertyNames",
      });
    }
  }
  // With additionalProperties: false only the declared names exist, all checked above.
  if (s.additionalProperties === false) return;
  relaxed.push({
    pointer: `${at}/propertyNames`,
    keyword: "propertyNames",
    reason:
      "OpenAPI 3.0 and JSON Schema draft 4 have no way to constrain property names, so API Gateway cannot check them",
    fix: "none at the gateway: Service A validates with the full schema",
  });
}

/**
 * One OpenAPI 3.0 schema object (dereferenced) as JSON Schema draft 4, appending a problem for
 * every keyword API Gateway cannot enforce. `at` is the schema's JSON Pointer in the contract.
 */
export function toDraft4(
  schema: unknown,
  at: string,
  problems: ContractProblem[],
  relaxed: ContractProblem[] = [],
): Schema {
  const convert = (sub: unknown, subAt: string) => toDraft4(sub, subAt, problems, relaxed);
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) {
    problems.push({
      pointer: at,
      keyword: "schema",
      reason: "a schema must be an object",
      fix: "write a schema object",
    });
    return {};
  }
  const s = schema as Schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(s)) {
    const here = `${at}/${escapePointer(key)}`;
    if (key.startsWith("x-") || ANNOTATIONS.has(key)) continue;
    if (DRAFT4_KEPT.has(key)) {
      out[key] = key === "not" ? convert(value, here) : structuredClone(value);
    } else if (key === "properties") {
      out.properties = Object.fromEntries(
        Object.entries(value as Schema).map(([name, sub]) => [
          name,
          convert(sub, `${here}/${escapePointer(name)}`),
        ]),
      );
    } else if (key === "patternProperties") {
      // Valid draft 4 but not OpenAPI 3.0: an import could drop it silently.
      problems.push({
        pointer: here,
        keyword: key,
        reason: "patternProperties is not part of OpenAPI 3.0's schema object",
        fix: "use properties, or additionalProperties with one schema",
      });
    } else if (key === "additionalProperties") {
      out.additionalProperties = typeof value === "boolean" ? value : convert(value, here);
    } else if (key === "items") {
      if (Array.isArray(value)) {
        problems.push({
          pointer: here,
          keyword: "items",
          reason: "OpenAPI 3.0 items is one schema, not a tuple",
          fix: "give items a single schema",
        });
      } else out.items = convert(value, here);
    } else if (key === "allOf") {
      out.allOf = (value as unknown[]).map((sub, i) => convert(sub, `${here}/${i}`));
    } else if (key === "nullable") {
      // draft 4 has no nullable: a null-accepting type (and enum) carries it.
      if (value === true) {
        if (typeof s.type !== "string") {
          problems.push({
            pointer: here,
            keyword: "nullable",
            reason: "nullable needs a type to widen",
            fix: "give the schema a type",
          });
        }
      }
    } else if (key === "readOnly") {
      // Request models only: a read-only property is not sent, and OpenAPI 3.0 says its
      // `required` applies to responses only (handled where the parent's `required` is rendered).
    } else if (key === "const") {
      out.enum = [structuredClone(value)];
    } else if (key === "format") {
      const format = String(value);
      if (DRAFT4_FORMATS.has(format)) out.format = format;
      else if (NUMERIC_FORMATS.has(format)) continue;
      else if (typeof s.pattern !== "string") {
        problems.push({
          pointer: here,
          keyword: "format",
          reason: `JSON Schema draft 4 has no format "${format}", so API Gateway would not check it`,
          fix: `add a pattern that enforces "${format}" beside it (the gateway enforces the pattern; the format stays documentation)`,
        });
      }
    } else if (key === "exclusiveMinimum" || key === "exclusiveMaximum") {
      convertExclusive(s, key === "exclusiveMinimum" ? "minimum" : "maximum", out, at, problems);
    } else if (key === "propertyNames") {
      dropPropertyNames(s, at, problems, relaxed);
    } else if (key in UNSUPPORTED) {
      problems.push({ pointer: here, keyword: key, ...UNSUPPORTED[key] });
    } else {
      problems.push({
        pointer: here,
        keyword: key,
        reason: `"${key}" is not a JSON Schema draft 4 keyword that API Gateway enforces`,
        fix: "remove it or express the rule with draft 4 keywords",
      });
    }
  }
  if (s.nullable === true && typeof s.type === "string") {
    out.type = [s.type, "null"];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  // Read-only properties are not part of a request, so they cannot be required in one.
  if (Array.isArray(out.required) && s.properties) {
    const props = s.properties as Record<string, Schema>;
    const required = out.required.filter((n) => props[n as string]?.readOnly !== true);
    if (required.length > 0) out.required = required;
    else delete out.required;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Security, throttling, integrations
// ---------------------------------------------------------------------------------------------

/** The scheme names the rendered document uses for the two authorizers. */
const COGNITO_SCHEME = "cognito";
const IAM_SCHEME = "sigv4";

function authorizationOf(
  op: Operation,
  at: string,
  contract: Contract,
  problems: ContractProblem[],
): OperationAuthorization | undefined {
  const requirements = op.security ?? contract.security;
  const where = op.security ? `${at}/security` : "#/security";
  if (requirements === undefined) {
    problems.push({
      pointer: at,
      keyword: "security",
      reason:
        "the operation has no security requirement, so it is neither authorized nor explicitly public",
      fix: "add `security: [{ <scheme>: [scopes] }]`, or `security: []` to mark it public",
    });
    return undefined;
  }
  if (requirements.length === 0) return { kind: "public" };
  const names = requirements.flatMap((r) => Object.keys(r));
  if (requirements.length > 1 || names.length !== 1) {
    problems.push({
      pointer: where,
      keyword: "security",
      reason:
        "API Gateway authorizes a method with exactly one authorizer (no alternatives, no combinations)",
      fix: "give the operation a single requirement with a single scheme",
    });
    return undefined;
  }
  const [name] = names;
  const scheme = contract.components?.securitySchemes?.[name];
  const scopes = requirements[0][name];
  if (!scheme) {
    problems.push({
      pointer: where,
      keyword: "security",
      reason: `no security scheme "${name}" in components.securitySchemes`,
      fix: `declare components.securitySchemes.${name}`,
    });
    return undefined;
  }
  if (scheme.type === "oauth2") {
    if (scopes.length === 0) {
      problems.push({
        pointer: where,
        keyword: "security",
        reason: "an OAuth2 requirement without scopes admits any token the user pool issues",
        fix: "list the scopes the operation needs",
      });
      return undefined;
    }
    const declared = new Set(
      Object.values(scheme.flows ?? {}).flatMap((f) => Object.keys(f.scopes ?? {})),
    );
    for (const scope of scopes) {
      if (!declared.has(scope)) {
        problems.push({
          pointer: where,
          keyword: "security",
          reason: `scope "${scope}" is not declared by the ${name} scheme's flows`,
          fix: `declare it under components.securitySchemes.${name}.flows.*.scopes`,
        });
      }
      // Cognito issues custom scopes as <resource server identifier>/<scope name>.
      if (!/^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]+\/[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]+$/.test(scope)) {
        problems.push({
          pointer: where,
          keyword: "security",
          reason: `scope "${scope}" is not of the form <resource server>/<scope>, the only custom scopes Cognito issues`,
          fix: "name it <resource server identifier>/<scope name>, e.g. workflow-requests/read",
        });
      }
    }
    return { kind: "scopes", scopes: [...scopes] };
  }
  if (scheme.type === "http" && scheme.scheme?.toUpperCase() === SIGV4_HTTP_SCHEME) {
    if (scopes.length > 0) {
      problems.push({
        pointer: where,
        keyword: "security",
        reason: "a SigV4 requirement has no scopes (IAM policies decide)",
        fix: "write the requirement with an empty list",
      });
    }
    return { kind: "iam" };
  }
  problems.push({
    pointer: `#/components/securitySchemes/${escapePointer(name)}`,
    keyword: "type",
    reason: `API Gateway cannot enforce a "${scheme.type}${scheme.scheme ? ` ${scheme.scheme}` : ""}" scheme here`,
    fix: `use an oauth2 scheme (Cognito scopes) or { type: http, scheme: ${SIGV4_HTTP_SCHEME} } (IAM)`,
  });
  return undefined;
}

function throttleOf(
  op: Operation,
  at: string,
  problems: ContractProblem[],
): OperationThrottle | undefined {
  const raw = op[RATE_LIMIT_EXTENSION];
  if (raw === undefined) return undefined;
  const r = raw as { requestsPerSecond?: unknown; burst?: unknown };
  const rate = r.requestsPerSecond;
  const burst = r.burst;
  const extra = Object.keys(r).filter((k) => k !== "requestsPerSecond" && k !== "burst");
  if (
    typeof rate !== "number" ||
    !(rate > 0) ||
    !Number.isInteger(burst) ||
    (burst as number) < 1 ||
    extra.length > 0
  ) {
    problems.push({
      pointer: `${at}/${RATE_LIMIT_EXTENSION}`,
      keyword: RATE_LIMIT_EXTENSION,
      reason: "needs exactly { requestsPerSecond: <number > 0>, burst: <integer >= 1> }",
      fix: "write both limits and nothing else",
    });
    return undefined;
  }
  return { rateLimit: rate, burstLimit: burst as number };
}

/** Where the caller header's value comes from, per kind of authorization. */
const CALLER_SOURCE: Record<OperationAuthorization["kind"], string> = {
  // The access token's client: client-credentials tokens carry the app client id.
  scopes: "context.authorizer.claims.client_id",
  iam: "context.identity.userArn",
  public: "'anonymous'",
};

/** The backend URL of an operation: `backendBaseUrl` + the contract's path template. */
export function integrationUri(
  backendBaseUrl: string,
  op: Pick<RenderedOperation, "integration">,
): string {
  return `${backendBaseUrl.replace(/\/+$/, "")}${op.integration.path}`;
}

/**
 * The `x-amazon-apigateway-integration` of one operation (VPC link v2 to the load balancer), as
 * `integrations: "document"` renders it.
 */
export function documentIntegration(op: RenderedOperation, refs: ApiRefs): Record<string, unknown> {
  return {
    type: "http_proxy",
    httpMethod: op.integration.httpMethod,
    uri: integrationUri(refs.backendBaseUrl, op),
    connectionType: "VPC_LINK",
    connectionId: refs.vpcLinkId,
    integrationTarget: refs.loadBalancerArn,
    requestParameters: op.integration.requestParameters,
    timeoutInMillis: op.integration.timeoutMilliseconds,
    passthroughBehavior: "when_no_match",
  };
}

// ---------------------------------------------------------------------------------------------
// Gateway responses: API Gateway's own errors as the contract's problem+json.
// ---------------------------------------------------------------------------------------------

/** The problems gateway responses answer; several response types share one. */
const INVALID = { status: 400, kind: "validation", title: "The request is invalid" } as const;
const DENIED = { status: 403, kind: "forbidden", title: "Access denied" } as const;
const TOO_MANY = { status: 429, kind: "too-many-requests", title: "Too many requests" } as const;
const INTERNAL = { status: 500, kind: "internal", title: "Internal error" } as const;
const UNAVAILABLE = {
  status: 504,
  kind: "dependency-unavailable",
  title: "A dependency is unavailable",
} as const;
const forbidden = (title: string) => ({ status: 403, kind: "forbidden", title }) as const;

/** Each gateway response type, its status and the problem it answers. */
export const GATEWAY_RESPONSES = {
  BAD_REQUEST_BODY: INVALID,
  BAD_REQUEST_PARAMETERS: INVALID,
  UNAUTHORIZED: { status: 401, kind: "unauthorized", title: "Authentication is required" },
  EXPIRED_TOKEN: forbidden("The token has expired"),
  INVALID_SIGNATURE: forbidden("The request signature is invalid"),
  MISSING_AUTHENTICATION_TOKEN: forbidden("No such route, or authentication is missing"),
  ACCESS_DENIED: DENIED,
  INVALID_API_KEY: DENIED,
  WAF_FILTERED: forbidden("The request was blocked"),
  RESOURCE_NOT_FOUND: { status: 404, kind: "not-found", title: "Not found" },
  REQUEST_TOO_LARGE: {
    status: 413,
    kind: "payload-too-large",
    title: "The request body is too large",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    kind: "unsupported-media-type",
    title: "Unsupported media type",
  },
  THROTTLED: TOO_MANY,
  QUOTA_EXCEEDED: TOO_MANY,
  AUTHORIZER_FAILURE: INTERNAL,
  AUTHORIZER_CONFIGURATION_ERROR: INTERNAL,
  API_CONFIGURATION_ERROR: INTERNAL,
  INTEGRATION_FAILURE: UNAVAILABLE,
  INTEGRATION_TIMEOUT: UNAVAILABLE,
  // The catch-alls get a fixed status so the body's `status` always equals the answer's.
  DEFAULT_4XX: { status: 400, kind: "bad-request", title: "Bad request" },
  DEFAULT_5XX: INTERNAL,
} as const;

/** Seconds a throttled client is told to wait (the contract's 429 carries Retry-After). */
const THROTTLE_RETRY_AFTER_SECONDS = 1;

function gatewayResponses(): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(GATEWAY_RESPONSES).map(([type, r]) => {
      // $context.error.validationErrorString names each failed field; $context.requestId ties the
      // answer to the access log line.
      const detail =
        r.kind === "validation" ? "$context.error.validationErrorString" : "$context.error.message";
      const template =
        `{"type":"${PROBLEM_TYPE_BASE}${r.kind}","title":"${r.title}","status":${r.status},` +
        `"detail":"${detail}","requestId":"$context.requestId"}`;
      const headers: Record<string, string> = {
        "gatewayresponse.header.Content-Type": "'application/problem+json'",
      };
      if (r.status === 429) {
        headers["gatewayresponse.header.Retry-After"] = `'${THROTTLE_RETRY_AFTER_SECONDS}'`;
      }
      if (r.status === 401) headers["gatewayresponse.header.WWW-Authenticate"] = "'Bearer'";
      return [
        type,
        {
          statusCode: String(r.status),
          responseParameters: headers,
          responseTemplates: { "application/json": template },
        },
      ];
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// The document
// ---------------------------------------------------------------------------------------------

interface Prepared {
  op: RenderedOperation;
  /** The rendered OpenAPI operation, without its integration. */
  openapi: Record<string, unknown>;
  /** The request model, when the operation has a JSON body. */
  model?: { name: string; schema: Schema };
}

/** Problems found while preparing a contract, as one error naming each place and its fix. */
export class ContractNotEnforceableError extends Error {
  constructor(
    readonly source: string,
    readonly problems: ContractProblem[],
  ) {
    super(
      `${source}: API Gateway cannot enforce ${problems.length} thing(s) the contract asks for:\n` +
        problems
          .map((p) => `- ${source}${p.pointer}: ${p.keyword}: ${p.reason}; fix: ${p.fix}`)
          .join("\n"),
    );
    this.name = "ContractNotEnforceableError";
  }
}

/**
 * Prepares an already dereferenced contract (`source` names it in errors). {@link contractApi}
 * loads one from contracts/http; tests pass fixtures here.
 */
export function contractApiFromDocument(
  contract: Record<string, unknown>,
  source: string,
  options: ContractApiOptions = {},
): DocumentApi {
  const doc = contract as unknown as Contract;
  const problems: ContractProblem[] = [];
  const relaxed: ContractProblem[] = [];
  const timeout = options.timeoutMilliseconds ?? DEFAULT_INTEGRATION_TIMEOUT_MS;
  if (!Number.isInteger(timeout) || timeout < 50 || timeout > DEFAULT_INTEGRATION_TIMEOUT_MS) {
    throw new Error(
      `contractApi: timeoutMilliseconds must be an integer from 50 to ${DEFAULT_INTEGRATION_TIMEOUT_MS}, not ${timeout}`,
    );
  }
  if (typeof doc.openapi !== "string" || !doc.openapi.startsWith("3.0.")) {
    problems.push({
      pointer: "#/openapi",
      keyword: "openapi",
      reason: `API Gateway imports OpenAPI 3.0, not ${String(doc.openapi)}`,
      fix: "write the contract in OpenAPI 3.0.x",
    });
  }
  const prepared: Prepared[] = [];
  const modelNames = new Set<string>();
  for (const [route, item] of Object.entries(doc.paths ?? {})) {
    const pathParams = [...route.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const at = `#/paths/${escapePointer(route)}/${method}`;
      if (!op.operationId) {
        problems.push({
          pointer: at,
          keyword: "operationId",
          reason: "every operation needs an operationId (it names the model and the integration)",
          fix: "add an operationId",
        });
        continue;
      }
      const authorization = authorizationOf(op, at, doc, problems);
      const throttle = throttleOf(op, at, problems);
      const params = [
        ...((item as unknown as { parameters?: Parameter[] }).parameters ?? []),
        ...(op.parameters ?? []),
      ];
      for (const name of pathParams) {
        if (!params.some((p) => p.in === "path" && p.name === name)) {
          problems.push({
            pointer: at,
            keyword: "parameters",
            reason: `path parameter {${name}} is not declared`,
            fix: `declare { name: ${name}, in: path, required: true }`,
          });
        }
      }
      const caller = params.filter((p) => p[CALLER_IDENTITY_EXTENSION] === true);
      if (caller.some((p) => p.in !== "header") || caller.length > 1) {
        problems.push({
          pointer: at,
          keyword: CALLER_IDENTITY_EXTENSION,
          reason: "the caller identity is one header parameter",
          fix: `mark a single header parameter with ${CALLER_IDENTITY_EXTENSION}: true`,
        });
      }
      const rendered = params
        .filter((p) => p[CALLER_IDENTITY_EXTENSION] !== true)
        .map((p) => {
          if (p.in === "cookie") {
            problems.push({
              pointer: at,
              keyword: "parameters",
              reason: `cookie parameter ${p.name}: API Gateway's request validation does not know cookies`,
              fix: "move it to a header",
            });
          }
          // API Gateway reads name, in, required and the schema's type; it checks only that a
          // required parameter is present and not blank (docs/api.md).
          const type = typeof p.schema?.type === "string" ? p.schema.type : "string";
          return {
            name: p.name,
            in: p.in,
            required: p.in === "path" ? true : p.required === true,
            ...(p.description ? { description: p.description } : {}),
            schema: { type },
          };
        });

      const requestParameters: Record<string, string> = Object.fromEntries(
        pathParams.map((n) => [`integration.request.path.${n}`, `method.request.path.${n}`]),
      );
      if (caller.length === 1 && authorization) {
        requestParameters[`integration.request.header.${caller[0].name}`] =
          CALLER_SOURCE[authorization.kind];
      }

      let model: Prepared["model"];
      let requestBody: Record<string, unknown> | undefined;
      if (op.requestBody) {
        const types = Object.keys(op.requestBody.content);
        const bodyAt = `${at}/requestBody/content`;
        if (types.length !== 1 || types[0] !== "application/json") {
          problems.push({
            pointer: bodyAt,
            keyword: "content",
            reason: `API Gateway validates JSON bodies only (found ${types.join(", ")})`,
            fix: "accept application/json only",
          });
        } else {
          const name = `${pascal(op.operationId)}Body`;
          if (modelNames.has(name)) {
            problems.push({
              pointer: `${at}/operationId`,
              keyword: "operationId",
              reason: `two operations give the model name ${name}`,
              fix: "make the operationIds differ by more than punctuation",
            });
          }
          modelNames.add(name);
          const schema = toDraft4(
            op.requestBody.content["application/json"].schema ?? {},
            `${bodyAt}/application~1json/schema`,
            problems,
            relaxed,
          );
          // Draft 4 is what API Gateway models are; a `$schema` would not be valid OpenAPI 3.0.
          model = { name, schema: { title: name, ...schema } };
          requestBody = {
            required: op.requestBody.required === true,
            content: { "application/json": { schema: { $ref: `#/components/schemas/${name}` } } },
          };
        }
      }
      const validator: ValidatorName = requestBody ? "bodyAndParameters" : "parameters";
      const security =
        authorization?.kind === "scopes"
          ? [{ [COGNITO_SCHEME]: authorization.scopes }]
          : authorization?.kind === "iam"
            ? [{ [IAM_SCHEME]: [] }]
            : [];
      const integration: OperationIntegration = {
        type: "HTTP_PROXY",
        httpMethod: method.toUpperCase(),
        path: route,
        requestParameters,
        timeoutMilliseconds: timeout,
      };
      prepared.push({
        op: {
          operationId: op.operationId,
          method: method.toUpperCase(),
          path: route,
          authorization: authorization ?? { kind: "public" },
          requestValidator: validator,
          ...(throttle ? { throttle } : {}),
          integration,
        },
        openapi: {
          operationId: op.operationId,
          ...(op.summary ? { summary: op.summary } : {}),
          ...(op.description ? { description: op.description } : {}),
          ...(rendered.length > 0 ? { parameters: rendered } : {}),
          ...(requestBody ? { requestBody } : {}),
          // HTTP_PROXY passes the backend's answers through; response models would only add
          // schemas API Gateway never checks.
          responses: Object.fromEntries(
            Object.entries(op.responses).map(([status, r]) => [
              status,
              { description: r.description },
            ]),
          ),
          security,
          "x-amazon-apigateway-request-validator": validator,
        },
        ...(model ? { model } : {}),
      });
    }
  }
  if (prepared.length === 0 && problems.length === 0) {
    problems.push({
      pointer: "#/paths",
      keyword: "paths",
      reason: "no operations",
      fix: "add one",
    });
  }
  if (problems.length > 0) throw new ContractNotEnforceableError(source, problems);

  const operations = prepared.map((p) => p.op);
  const scopes = [
    ...new Set(
      operations.flatMap((o) => (o.authorization.kind === "scopes" ? o.authorization.scopes : [])),
    ),
  ].sort();
  const usesIam = operations.some((o) => o.authorization.kind === "iam");
  const integrations = options.integrations ?? "resources";

  return {
    operations,
    scopes,
    relaxed,
    render(refs: ApiRefs): Record<string, unknown> {
      if (scopes.length > 0 && refs.userPoolArns.length === 0) {
        throw new Error(
          `${source}: operations require OAuth2 scopes, so render() needs at least one user pool ARN in userPoolArns`,
        );
      }
      const paths: Record<string, Record<string, unknown>> = {};
      for (const p of prepared) {
        paths[p.op.path] ??= {};
        paths[p.op.path][p.op.method.toLowerCase()] = {
          ...p.openapi,
          ...(integrations === "document"
            ? { "x-amazon-apigateway-integration": documentIntegration(p.op, refs) }
            : {}),
        };
      }
      const securitySchemes: Record<string, unknown> = {};
      if (scopes.length > 0) {
        securitySchemes[COGNITO_SCHEME] = {
          type: "apiKey",
          name: "Authorization",
          in: "header",
          "x-amazon-apigateway-authtype": "cognito_user_pools",
          "x-amazon-apigateway-authorizer": {
            type: "cognito_user_pools",
            providerARNs: [...refs.userPoolArns],
          },
        };
      }
      if (usesIam) {
        securitySchemes[IAM_SCHEME] = {
          type: "apiKey",
          name: "Authorization",
          in: "header",
          "x-amazon-apigateway-authtype": "awsSigv4",
        };
      }
      const schemas = Object.fromEntries(
        prepared
          .filter((p) => p.model)
          .map((p) => [p.model!.name, structuredClone(p.model!.schema)]),
      );
      return {
        openapi: "3.0.1",
        info: {
          title: doc.info.title,
          version: doc.info.version,
          ...(doc.info.description ? { description: doc.info.description } : {}),
        },
        paths,
        components: {
          ...(Object.keys(schemas).length > 0 ? { schemas } : {}),
          ...(Object.keys(securitySchemes).length > 0 ? { securitySchemes } : {}),
        },
        "x-amazon-apigateway-request-validators": structuredClone(REQUEST_VALIDATORS),
        "x-amazon-apigateway-gateway-responses": gatewayResponses(),
      };
    },
  };
}

/**
 * The HTTP contract `contractName` (as in `httpContractFile`, e.g. `service-a`) made ready for
 * API Gateway. Throws {@link ContractNotEnforceableError} listing every place the contract asks
 * for something API Gateway cannot render or enforce.
 */
export function contractApi(contractName: string, options: ContractApiOptions = {}): DocumentApi {
  const file = path.relative(path.dirname(CONTRACTS_DIR), httpContractFile(contractName));
  return contractApiFromDocument(dereferencedHttpContract(contractName), file, options);
}

/** JSON with object keys sorted at every level: the same document always gives the same text. */
export function stableStringify(value: Json): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
            a < b ? -1 : a > b ? 1 : 0,
          ),
        )
      : v,
  );
}

/**
 * A short stable hash of a rendered document, for the Deployment's `triggers` so the stage is
 * redeployed exactly when the document changes.
 */
export function documentHash(document: Record<string, unknown>): string {
  return createHash("sha256").update(stableStringify(document)).digest("hex").slice(0, 16);
}
