/**
 * The front door (issue 13): a regional REST API imported from the contract's rendered OpenAPI
 * document, reached over a VPC link v2 to the internal load balancer, authorized by a Cognito user
 * pool's machine-to-machine client, logged, traced, throttled, shielded by AWS WAF and, when the
 * stack has one, served on a custom domain with a TLS 1.3-only policy.
 *
 * The document itself comes from a {@link ContractApi} (document.ts); the load balancer from
 * PrivateIngress. This component only supplies the deploy-time references the document needs.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  type AwsContext,
  DNS_LABEL,
  FQDN,
  HOSTED_ZONE_ID,
  KMS_KEY_ARN,
  LOG_RETENTION_DAYS,
  managedPolicyArn,
  REGION,
  serviceTrustPolicy,
  throwIfInvalid,
  ValidationError,
} from "../lib";
import { dnsValidatedCertificate } from "./certificate";
import { documentHash } from "./document";
import type { ContractApi, RenderedOperation } from "./types";

/**
 * The TLS policy of the REST API's own endpoint and of its custom domain: TLS 1.3 only, with the
 * AES-GCM and ChaCha20-Poly1305 suites. It is the strictest non-FIPS policy API Gateway offers for
 * regional REST APIs and custom domains, and one of those Security Hub APIGateway.11 accepts
 * (plain `TLS_1_2` fails it). An enhanced (`SecurityPolicy_*`) policy requires an endpoint access
 * mode, {@link ENDPOINT_ACCESS_MODE}. Without it a regional API's default endpoint accepts TLS 1.0.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-security-policies-list.html
 */
export const TLS_SECURITY_POLICY = "SecurityPolicy_TLS13_1_3_2025_09";

/**
 * `STRICT`: a request must arrive through the same endpoint type as the API or domain, and its SNI
 * host must match (domain-fronting protection). AWS recommends it wherever possible.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-security-policies.html#apigateway-security-policies-endpoint-access-mode
 */
export const ENDPOINT_ACCESS_MODE = "STRICT";

/**
 * The AWS managed policy that lets API Gateway write execution and access logs (the account-wide
 * CloudWatch role). https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonAPIGatewayPushToCloudWatchLogs.html
 */
export const PUSH_TO_CLOUDWATCH_POLICY = "service-role/AmazonAPIGatewayPushToCloudWatchLogs";

/** The prefix AWS WAF requires of a CloudWatch Logs destination's name. */
export const WAF_LOG_GROUP_PREFIX = "aws-waf-logs-";

/**
 * The access log record: one JSON object per request. Each field names the `$context` variable it
 * carries (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-variables-for-access-logging.html).
 * Values are quoted strings, except `errorMessage`, whose variable is already a quoted JSON string.
 * No header, body or token is logged; `clientId` is the Cognito app client the token belongs to.
 */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = Object.freeze({
  requestId: "$context.requestId",
  extendedRequestId: "$context.extendedRequestId",
  xrayTraceId: "$context.xrayTraceId",
  requestTime: "$context.requestTimeEpoch",
  ip: "$context.identity.sourceIp",
  userAgent: "$context.identity.userAgent",
  clientId: "$context.authorizer.claims.client_id",
  domainName: "$context.domainName",
  stage: "$context.stage",
  httpMethod: "$context.httpMethod",
  resourcePath: "$context.resourcePath",
  path: "$context.path",
  protocol: "$context.protocol",
  tlsVersion: "$context.tlsVersion",
  cipherSuite: "$context.cipherSuite",
  status: "$context.status",
  responseLength: "$context.responseLength",
  responseLatency: "$context.responseLatency",
  integrationStatus: "$context.integration.status",
  integrationLatency: "$context.integration.latency",
  integrationError: "$context.integration.error",
  wafStatus: "$context.waf.status",
  wafResponseCode: "$context.wafResponseCode",
  authorizerError: "$context.authorizer.error",
  errorType: "$context.error.responseType",
  errorMessage: "$context.error.messageString",
});

/** Fields whose `$context` variable renders its own quotes. */
const PRE_QUOTED_FIELDS = new Set(["errorMessage"]);

/** The stage's access log format: {@link ACCESS_LOG_FIELDS} as one line of JSON. */
export function accessLogFormat(): string {
  const fields = Object.entries(ACCESS_LOG_FIELDS).map(([key, variable]) =>
    PRE_QUOTED_FIELDS.has(key) ? `"${key}":${variable}` : `"${key}":"${variable}"`,
  );
  return `{${fields.join(",")}}`;
}

/**
 * The `methodPath` of a per-method `MethodSettings`: the resource path as a JSON Pointer token
 * (`~` as `~0`, every `/` as `~1`, the leading one included), `/`, the method. API Gateway keys a
 * stage's method settings this way and patches `/<key>/<setting>`, so an unescaped nested path
 * (`v1/items/POST`) would be read as more segments than it has.
 * https://docs.aws.amazon.com/apigateway/latest/api/API_PatchOperation.html (escaping `/` as `~1`)
 */
export function methodSettingsPath(operation: Pick<RenderedOperation, "path" | "method">): string {
  const resource = operation.path.replace(/~/g, "~0").replace(/\//g, "~1");
  return `${resource}/${operation.method.toUpperCase()}`;
}

/** Stage cache cluster sizes in GB, as API Gateway names them. */
export const CACHE_SIZES = ["0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"] as const;
export type CacheSize = (typeof CACHE_SIZES)[number];

/** Evaluation windows (seconds) a WAF rate-based rule accepts. */
export const WAF_EVALUATION_WINDOWS = [60, 120, 300, 600] as const;
export type WafEvaluationWindow = (typeof WAF_EVALUATION_WINDOWS)[number];

/** Execution logging levels that keep APIGateway.1 satisfied (`OFF` is not offered). */
export const ExecutionLoggingLevel = { Info: "INFO", Error: "ERROR" } as const;
export type ExecutionLoggingLevel =
  (typeof ExecutionLoggingLevel)[keyof typeof ExecutionLoggingLevel];

/** WAF's bounds on a rate-based rule's limit (requests per evaluation window, per IP). */
const WAF_RATE_LIMIT = { min: 10, max: 2_000_000_000 };
/** Cognito's bounds on an access token's lifetime, in minutes (5 minutes to 1 day). */
const ACCESS_TOKEN_MINUTES = { min: 5, max: 1440, default: 60 };
/** Cognito's shortest refresh token lifetime, in minutes. */
const MIN_REFRESH_TOKEN_MINUTES = 60;

/**
 * The client's token lifetimes, in minutes: the access token's as asked, the ID token's at its
 * minimum, and the refresh token's at its minimum unless the access token lives longer: Cognito
 * refuses an access or ID token that outlives the refresh token ("Invalid range for token
 * validity"), so a 1440-minute access token needs a refresh token of at least 1440 minutes.
 */
export function clientTokenValidity(accessTokenMinutes: number): {
  accessTokenValidity: number;
  idTokenValidity: number;
  refreshTokenValidity: number;
} {
  return {
    accessTokenValidity: accessTokenMinutes,
    idTokenValidity: ACCESS_TOKEN_MINUTES.min,
    refreshTokenValidity: Math.max(MIN_REFRESH_TOKEN_MINUTES, accessTokenMinutes),
  };
}
const MAX_CACHE_TTL_SECONDS = 3600;
/** API Gateway stage names: letters, digits, `-` and `_`, at most 128. */
const STAGE_NAME = /^[A-Za-z0-9_-]{1,128}$/;
/** A Cognito scope in full form: resource server identifier, `/`, scope name. */
const FULL_SCOPE = /^([^/\s]+)\/([^/\s]+)$/;
/** Words Cognito refuses in a prefix domain. */
const COGNITO_RESERVED_WORDS = ["aws", "amazon", "cognito"];
const LOAD_BALANCER_ARN =
  /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/(app|net)\/[^/]+\/[0-9a-f]+$/;

/** Where the VPC link sits and what it may reach. */
export interface VpcLinkArgs {
  /** The VPC of the private subnets (the VPC link's security group is created in it). */
  vpcId: pulumi.Input<string>;
  /**
   * Private subnets the VPC link places its network interfaces in; at least two, in different
   * zones, for availability.
   */
  subnetIds: pulumi.Input<string>[];
  /** The internal load balancer's security group: the only destination the link may reach. */
  loadBalancerSecurityGroupId: pulumi.Input<string>;
  /** The load balancer's HTTPS listener port (the only port the link may reach). */
  listenerPort: number;
}

/** Stage-wide throttling, the default for every method without its own. */
export interface StageThrottleArgs {
  /** Steady-state requests per second, more than 0. */
  rateLimit: number;
  /** Burst bucket size, a whole number of requests, 0 or more. */
  burstLimit: number;
}

/** The stage cache; without it the cache cluster is off. */
export interface StageCacheArgs {
  /** Cache cluster size in GB. */
  sizeGb: CacheSize;
  /** How long a response stays cached, 0 to 3600 seconds. */
  ttlSeconds: number;
}

/** Access and execution logs. */
export interface ApiLogsArgs {
  /** ARN of the KMS key (the platform's logs key) every log group here is encrypted with. */
  kmsKeyArn: pulumi.Input<string>;
  /** Retention of the access, execution and WAF log groups, a CloudWatch Logs retention period. */
  retentionInDays: number;
  /**
   * Execution logging on every method: `INFO` (every request) or `ERROR` (failures only). Data
   * tracing (full request and response bodies) is never turned on: bodies and tokens would land in
   * the logs.
   * @default "INFO"
   */
  executionLoggingLevel?: ExecutionLoggingLevel;
}

/** The WAF web ACL's rate-based rule. */
export interface WafArgs {
  /** Requests one client IP may make per evaluation window before it is blocked, 10 to 2e9. */
  rateLimit: number;
  /** The window the rate is counted over, in seconds. */
  evaluationWindowSec: WafEvaluationWindow;
}

/** The Cognito user pool that issues the clients' access tokens. */
export interface CognitoArgs {
  /**
   * Prefix of the user pool's domain, `<prefix>.auth.<region>.amazoncognito.com`, which serves the
   * OAuth2 token endpoint the client-credentials grant needs. A DNS label, unique in the Region,
   * without "aws", "amazon" or "cognito".
   */
  domainPrefix: string;
  /**
   * Lifetime of an access token, 5 to 1440 minutes. Shorter limits the damage of a leaked token;
   * clients fetch a new one with their secret.
   * @default 60
   */
  accessTokenValidityMinutes?: number;
}

/** A custom domain for the API. */
export interface CustomDomainArgs {
  /** The fully qualified domain name clients call (`api.example.com`), lower case. */
  domainName: string;
  /** The Route 53 public hosted zone that holds `domainName` (validation and alias records). */
  hostedZoneId: pulumi.Input<string>;
}

/** Arguments of {@link ApiGateway}. */
export interface ApiGatewayArgs extends AwsContext {
  /**
   * The contract made ready for API Gateway (`contractApi("service-a")`): its operations decide the
   * per-operation throttles, its scopes the Cognito resource servers. Plain.
   */
  api: ContractApi;
  /** The stage name, the first path segment of the default invoke URL. */
  stageName: string;
  /** The internal load balancer's ARN, the integrations' `integrationTarget`. */
  loadBalancerArn: pulumi.Input<string>;
  /** `https://<host>` on the load balancer's certificate, no trailing slash. */
  backendBaseUrl: pulumi.Input<string>;
  vpcLink: VpcLinkArgs;
  logs: ApiLogsArgs;
  throttle: StageThrottleArgs;
  /** @default no cache cluster */
  cache?: StageCacheArgs;
  waf: WafArgs;
  cognito: CognitoArgs;
  /**
   * Serve the API on this domain and disable the default `execute-api` endpoint.
   * @default none: clients use the default endpoint
   */
  customDomain?: CustomDomainArgs;
  /**
   * Create the IAM role API Gateway writes logs with and set it as the account's CloudWatch role
   * (`aws.apigateway.Account`). That setting is one per account and Region: leave this false when
   * another stack in the same account and Region already manages it, or the two overwrite each other.
   * @default true
   */
  manageAccountCloudWatchRole?: boolean;
  /**
   * Protect the user pool (also Cognito deletion protection) and the log groups from
   * `pulumi destroy`. Set in production.
   */
  protect?: boolean;
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

/** Validates {@link ApiGatewayArgs}; returns every problem. */
export function validateApiGatewayArgs(args: ApiGatewayArgs): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });

  if (typeof args.region !== "string" || !REGION.test(args.region)) {
    add("region", `"${String(args.region)}" is not an AWS Region code; use the form eu-west-1`);
  }
  if (typeof args.stageName !== "string" || !STAGE_NAME.test(args.stageName)) {
    add(
      "stageName",
      `"${String(args.stageName)}" is not a stage name; use 1 to 128 letters, digits, "-" and "_"`,
    );
  }
  if (typeof args.loadBalancerArn === "string" && !LOAD_BALANCER_ARN.test(args.loadBalancerArn)) {
    add(
      "loadBalancerArn",
      `"${args.loadBalancerArn}" is not a load balancer ARN ` +
        "(arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>)",
    );
  }
  if (
    typeof args.backendBaseUrl === "string" &&
    !/^https:\/\/[a-z0-9.-]+(:\d+)?$/.test(args.backendBaseUrl)
  ) {
    add(
      "backendBaseUrl",
      `"${args.backendBaseUrl}" must be https://<host> (a name on the load balancer's ` +
        "certificate), without a path or trailing slash: the integration must use TLS",
    );
  }

  if (!isIntegerIn(args.vpcLink?.listenerPort, 1, 65535)) {
    add(
      "vpcLink.listenerPort",
      `must be a port number from 1 to 65535; got ${String(args.vpcLink?.listenerPort)}`,
    );
  }
  if (!Array.isArray(args.vpcLink?.subnetIds) || args.vpcLink.subnetIds.length < 2) {
    add(
      "vpcLink.subnetIds",
      "give at least two private subnets in different zones, so the VPC link survives a zone loss",
    );
  }

  if (typeof args.logs?.kmsKeyArn === "string" && !KMS_KEY_ARN.test(args.logs.kmsKeyArn)) {
    add(
      "logs.kmsKeyArn",
      `"${args.logs.kmsKeyArn}" is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); ` +
        "pass the logs key's ARN, not an alias or key ID",
    );
  }
  if (!LOG_RETENTION_DAYS.includes(args.logs?.retentionInDays)) {
    add(
      "logs.retentionInDays",
      `${JSON.stringify(args.logs?.retentionInDays)} is not a CloudWatch Logs retention period; ` +
        `use one of ${LOG_RETENTION_DAYS.join(", ")}`,
    );
  }
  const level = args.logs?.executionLoggingLevel;
  if (level !== undefined && !Object.values<string>(ExecutionLoggingLevel).includes(level)) {
    add(
      "logs.executionLoggingLevel",
      `"${String(level)}" is not offered; use "INFO" or "ERROR" (execution logging stays on)`,
    );
  }

  const throttle = (path: string, value: StageThrottleArgs | undefined) => {
    if (typeof value?.rateLimit !== "number" || !(value.rateLimit > 0)) {
      add(`${path}.rateLimit`, `must be more than 0 requests per second; got ${value?.rateLimit}`);
    }
    if (!isIntegerIn(value?.burstLimit, 0, Number.MAX_SAFE_INTEGER)) {
      add(
        `${path}.burstLimit`,
        `must be a whole number of requests, 0 or more; got ${value?.burstLimit}`,
      );
    }
  };
  throttle("throttle", args.throttle);

  if (args.cache !== undefined) {
    if (!(CACHE_SIZES as readonly string[]).includes(args.cache.sizeGb)) {
      add(
        "cache.sizeGb",
        `"${String(args.cache.sizeGb)}" is not a cache size; use one of ${CACHE_SIZES.join(", ")}`,
      );
    }
    if (!isIntegerIn(args.cache.ttlSeconds, 0, MAX_CACHE_TTL_SECONDS)) {
      add(
        "cache.ttlSeconds",
        `must be a whole number from 0 to ${MAX_CACHE_TTL_SECONDS}; got ${args.cache.ttlSeconds}`,
      );
    }
  }

  if (!isIntegerIn(args.waf?.rateLimit, WAF_RATE_LIMIT.min, WAF_RATE_LIMIT.max)) {
    add(
      "waf.rateLimit",
      `must be a whole number from ${WAF_RATE_LIMIT.min} to ${WAF_RATE_LIMIT.max} requests per ` +
        `window; got ${String(args.waf?.rateLimit)}`,
    );
  }
  if (!(WAF_EVALUATION_WINDOWS as readonly number[]).includes(args.waf?.evaluationWindowSec)) {
    add(
      "waf.evaluationWindowSec",
      `${String(args.waf?.evaluationWindowSec)} is not a WAF evaluation window; use one of ` +
        WAF_EVALUATION_WINDOWS.join(", "),
    );
  }

  const prefix = args.cognito?.domainPrefix;
  if (
    typeof prefix !== "string" ||
    !DNS_LABEL.test(prefix) ||
    COGNITO_RESERVED_WORDS.some((w) => prefix.includes(w))
  ) {
    add(
      "cognito.domainPrefix",
      `"${String(prefix)}" cannot be a Cognito domain prefix; use a DNS label (lower-case ` +
        'letters, digits, "-") without "aws", "amazon" or "cognito"',
    );
  }
  const minutes = args.cognito?.accessTokenValidityMinutes ?? ACCESS_TOKEN_MINUTES.default;
  if (!isIntegerIn(minutes, ACCESS_TOKEN_MINUTES.min, ACCESS_TOKEN_MINUTES.max)) {
    add(
      "cognito.accessTokenValidityMinutes",
      `must be a whole number from ${ACCESS_TOKEN_MINUTES.min} to ${ACCESS_TOKEN_MINUTES.max} ` +
        `(Cognito's access token limits); got ${String(minutes)}`,
    );
  }

  if (args.customDomain !== undefined) {
    const domain = args.customDomain.domainName;
    if (typeof domain !== "string" || !FQDN.test(domain)) {
      add(
        "customDomain.domainName",
        `"${String(domain)}" is not a fully qualified lower-case domain name (api.example.com)`,
      );
    }
    const zone = args.customDomain.hostedZoneId;
    if (typeof zone === "string" && !HOSTED_ZONE_ID.test(zone)) {
      add("customDomain.hostedZoneId", `"${zone}" is not a Route 53 hosted zone ID (Z...)`);
    }
  }

  errors.push(...validateContract(args.api));
  return errors;
}

/** What the component relies on in the contract: scopes in full form, sane throttles. */
function validateContract(api: ContractApi | undefined): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });
  if (!api || !Array.isArray(api.operations) || api.operations.length === 0) {
    return [{ propertyPath: "api", reason: "the contract has no operations to serve" }];
  }
  const scopes = Array.isArray(api.scopes) ? api.scopes : [];
  if (scopes.length === 0) {
    add(
      "api.scopes",
      "the contract requires no OAuth2 scope, so the machine-to-machine client could be granted " +
        "none; give the protected operations scopes in the contract",
    );
  }
  for (const scope of scopes) {
    if (!FULL_SCOPE.test(scope)) {
      add("api.scopes", `"${scope}" is not a full scope; use <resource server>/<scope name>`);
    }
  }
  const seen = new Set<string>();
  for (const op of api.operations) {
    const where = `api.operations[${op.operationId}]`;
    const key = methodSettingsPath(op);
    if (seen.has(key)) add(where, `${op.method} ${op.path} appears twice`);
    seen.add(key);
    if (op.authorization.kind === "scopes") {
      for (const scope of op.authorization.scopes) {
        if (!scopes.includes(scope)) {
          add(where, `requires scope "${scope}", which is not in api.scopes`);
        }
      }
    }
    if (op.throttle !== undefined) {
      if (!(op.throttle.rateLimit > 0)) {
        add(`${where}.throttle.rateLimit`, `must be more than 0; got ${op.throttle.rateLimit}`);
      }
      if (!isIntegerIn(op.throttle.burstLimit, 0, Number.MAX_SAFE_INTEGER)) {
        add(
          `${where}.throttle.burstLimit`,
          `must be a whole number, 0 or more; got ${op.throttle.burstLimit}`,
        );
      }
    }
  }
  return errors;
}

/** The contract's scopes grouped by resource server identifier, in first-seen order. */
export function resourceServersOf(scopes: string[]): Map<string, string[]> {
  const servers = new Map<string, string[]>();
  for (const scope of scopes) {
    const match = FULL_SCOPE.exec(scope);
    if (!match) continue;
    const names = servers.get(match[1]) ?? [];
    if (!names.includes(match[2])) names.push(match[2]);
    servers.set(match[1], names);
  }
  return servers;
}

/**
 * A regional REST API built from a contract, with everything around it:
 *
 * - a VPC link v2 in the private subnets whose security group may reach only the load balancer's
 *   listener;
 * - a Cognito user pool (no users, no self sign-up, MFA required should users ever be added), its
 *   prefix domain (the OAuth2 token endpoint), one resource server per scope identifier and a
 *   machine-to-machine client (client credentials only, the contract's scopes only, bounded token
 *   lifetimes, secret kept as a Pulumi secret);
 * - the REST API (body = the rendered document, TLS 1.3 only, `failOnWarnings`), a deployment
 *   redeployed whenever the document changes, and a stage with JSON access logs, execution logs
 *   (both in log groups encrypted with the logs key), X-Ray tracing, throttling and an optional
 *   encrypted cache;
 * - the account's CloudWatch role for API Gateway (optional; one per account and Region);
 * - a WAF web ACL (AWS common and known-bad-inputs rule groups, a per-IP rate limit) on the stage,
 *   logging to an encrypted log group with the `authorization` header redacted;
 * - with a custom domain: an ACM certificate validated in Route 53, the domain with the same TLS
 *   policy, the base path mapping, the alias record; the default endpoint is then disabled.
 */
export class ApiGateway extends pulumi.ComponentResource {
  public readonly restApi: aws.apigateway.RestApi;
  public readonly stage: aws.apigateway.Stage;
  /** The URL clients call: the custom domain's when there is one, else the stage's. */
  public readonly invokeUrl: pulumi.Output<string>;
  public readonly restApiId: pulumi.Output<string>;
  public readonly stageArn: pulumi.Output<string>;
  public readonly userPoolId: pulumi.Output<string>;
  public readonly userPoolArn: pulumi.Output<string>;
  public readonly clientId: pulumi.Output<string>;
  /** The machine-to-machine client's secret, always a Pulumi secret. */
  public readonly clientSecret: pulumi.Output<string>;
  /** Where clients exchange their id and secret for an access token. */
  public readonly tokenEndpoint: pulumi.Output<string>;
  public readonly webAclArn: pulumi.Output<string>;
  public readonly accessLogGroupName: pulumi.Output<string>;
  public readonly executionLogGroupName: pulumi.Output<string>;
  public readonly vpcLinkId: pulumi.Output<string>;
  /** The VPC link's security group, for the load balancer's ingress rule. */
  public readonly vpcLinkSecurityGroupId: pulumi.Output<string>;

  constructor(name: string, args: ApiGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): a bad argument must fail before anything, the component included, registers.
    throwIfInvalid("ApiGateway", validateApiGatewayArgs(args));
    super("acme:api:ApiGateway", name, {}, opts);

    const protect = args.protect ?? false;
    const loggingLevel = args.logs.executionLoggingLevel ?? ExecutionLoggingLevel.Info;
    const logGroup = { kmsKeyId: args.logs.kmsKeyArn, retentionInDays: args.logs.retentionInDays };

    // VPC link v2: its interfaces may open connections to the load balancer's listener only.
    const linkSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-vpc-link`,
      {
        vpcId: args.vpcLink.vpcId,
        description: `API Gateway VPC link of ${name} (egress to the internal load balancer only)`,
      },
      { parent: this },
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-vpc-link-to-lb`,
      {
        securityGroupId: linkSecurityGroup.id,
        description: "HTTPS to the internal load balancer's listener",
        ipProtocol: "tcp",
        fromPort: args.vpcLink.listenerPort,
        toPort: args.vpcLink.listenerPort,
        referencedSecurityGroupId: args.vpcLink.loadBalancerSecurityGroupId,
      },
      { parent: this },
    );
    const vpcLink = new aws.apigatewayv2.VpcLink(
      `${name}-vpc-link`,
      { subnetIds: args.vpcLink.subnetIds, securityGroupIds: [linkSecurityGroup.id] },
      { parent: this },
    );

    // Cognito: a pool without users, whose only client is the machine-to-machine one. Threat
    // protection (the Plus plan) watches user sign-ins only, so it would add nothing here.
    const userPool = new aws.cognito.UserPool(
      `${name}-users`,
      {
        deletionProtection: protect ? "ACTIVE" : "INACTIVE",
        adminCreateUserConfig: { allowAdminCreateUserOnly: true },
        accountRecoverySetting: { recoveryMechanisms: [{ name: "admin_only", priority: 1 }] },
        mfaConfiguration: "ON",
        softwareTokenMfaConfiguration: { enabled: true },
        passwordPolicy: {
          minimumLength: 16,
          requireLowercase: true,
          requireUppercase: true,
          requireNumbers: true,
          requireSymbols: true,
          temporaryPasswordValidityDays: 1,
        },
      },
      { parent: this, protect },
    );
    // The OAuth2 token endpoint exists only on a user pool domain.
    // https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html
    const domain = new aws.cognito.UserPoolDomain(
      `${name}-auth`,
      { domain: args.cognito.domainPrefix, userPoolId: userPool.id },
      { parent: this },
    );
    const resourceServers = [...resourceServersOf(args.api.scopes)].map(
      ([identifier, scopeNames]) =>
        new aws.cognito.ResourceServer(
          `${name}-${identifier}`,
          {
            userPoolId: userPool.id,
            identifier,
            name: identifier,
            scopes: scopeNames.map((scopeName) => ({
              scopeName,
              scopeDescription: `${identifier}/${scopeName} of the contract`,
            })),
          },
          { parent: this },
        ),
    );
    const accessTokenMinutes =
      args.cognito.accessTokenValidityMinutes ?? ACCESS_TOKEN_MINUTES.default;
    const client = new aws.cognito.UserPoolClient(
      `${name}-m2m`,
      {
        userPoolId: userPool.id,
        generateSecret: true,
        allowedOauthFlowsUserPoolClient: true,
        allowedOauthFlows: ["client_credentials"],
        allowedOauthScopes: [...args.api.scopes],
        // No user sign-in flow; client credentials never issue ID or refresh tokens, and their
        // lifetimes are the shortest Cognito accepts should a flow ever be added.
        explicitAuthFlows: ["ALLOW_REFRESH_TOKEN_AUTH"],
        ...clientTokenValidity(accessTokenMinutes),
        tokenValidityUnits: { accessToken: "minutes", idToken: "minutes", refreshToken: "minutes" },
        enableTokenRevocation: true,
        preventUserExistenceErrors: "ENABLED",
      },
      // Its scopes must exist on their resource servers first.
      { parent: this, dependsOn: resourceServers },
    );

    // The document, rendered once every reference is known.
    const document = pulumi
      .all([vpcLink.id, args.loadBalancerArn, args.backendBaseUrl, userPool.arn])
      .apply(([vpcLinkId, loadBalancerArn, backendBaseUrl, userPoolArn]) =>
        args.api.render({
          vpcLinkId,
          loadBalancerArn,
          backendBaseUrl,
          userPoolArns: [userPoolArn],
        }),
      );
    const body = document.apply((d) => JSON.stringify(d));
    const bodyHash = document.apply(documentHash);
    this.restApi = new aws.apigateway.RestApi(
      name,
      {
        body,
        putRestApiMode: "overwrite",
        failOnWarnings: true,
        endpointConfiguration: { types: "REGIONAL" },
        securityPolicy: TLS_SECURITY_POLICY,
        endpointAccessMode: ENDPOINT_ACCESS_MODE,
        // With a custom domain, clients use it; the default endpoint would bypass its settings.
        disableExecuteApiEndpoint: args.customDomain !== undefined,
      },
      { parent: this },
    );
    // One private integration per operation. The OpenAPI import is not documented to take the VPC
    // link v2 `integrationTarget` (docs/api.md), so integrations are resources. Importing a changed
    // document in overwrite mode replaces the methods, and their integrations with them: each
    // integration is therefore replaced whenever the document changes (deleted first, which finds
    // it already gone, then created on the new method).
    const integrations = args.api.operations.map((operation) => {
      const resource = aws.apigateway.getResourceOutput(
        { restApiId: this.restApi.id, path: operation.path },
        { parent: this, dependsOn: [this.restApi] },
      );
      return new aws.apigateway.Integration(
        `${name}-${operation.operationId}`,
        {
          restApi: this.restApi.id,
          resourceId: resource.id,
          httpMethod: operation.method,
          type: operation.integration.type,
          integrationHttpMethod: operation.integration.httpMethod,
          connectionType: "VPC_LINK",
          connectionId: vpcLink.id,
          integrationTarget: args.loadBalancerArn,
          // The host is a name on the load balancer's certificate: API Gateway checks it.
          uri: pulumi.interpolate`${args.backendBaseUrl}${operation.integration.path}`,
          requestParameters: operation.integration.requestParameters,
          timeoutMilliseconds: operation.integration.timeoutMilliseconds,
          tlsConfig: { insecureSkipVerification: false },
        },
        { parent: this, replacementTrigger: bodyHash, deleteBeforeReplace: true },
      );
    });
    const deployment = new aws.apigateway.Deployment(
      name,
      {
        restApi: this.restApi.id,
        description: `${name}: the contract's document`,
        // A new deployment (and the stage moved onto it) whenever the document changes.
        triggers: { documentSha256: bodyHash },
      },
      // Deployed once every method has its integration.
      { parent: this, dependsOn: integrations },
    );

    // API Gateway writes logs with the account's CloudWatch role: one per account and Region.
    const stageDependencies: pulumi.Resource[] = [];
    if (args.manageAccountCloudWatchRole ?? true) {
      const role = new aws.iam.Role(
        `${name}-cloudwatch`,
        {
          description: "Lets API Gateway write execution and access logs (account-wide setting)",
          assumeRolePolicy: serviceTrustPolicy("apigateway.amazonaws.com"),
        },
        { parent: this },
      );
      const attachment = new aws.iam.RolePolicyAttachment(
        `${name}-cloudwatch`,
        { role: role.name, policyArn: managedPolicyArn(args.partition, PUSH_TO_CLOUDWATCH_POLICY) },
        { parent: this },
      );
      stageDependencies.push(
        new aws.apigateway.Account(
          `${name}-account`,
          { cloudwatchRoleArn: role.arn },
          { parent: this, dependsOn: [attachment] },
        ),
      );
    }

    const accessLogs = new aws.cloudwatch.LogGroup(`${name}-access-logs`, logGroup, {
      parent: this,
      protect,
    });
    // The name API Gateway writes execution logs to; created here so it is encrypted and expires.
    const executionLogs = new aws.cloudwatch.LogGroup(
      `${name}-execution-logs`,
      {
        name: pulumi.interpolate`API-Gateway-Execution-Logs_${this.restApi.id}/${args.stageName}`,
        ...logGroup,
      },
      { parent: this, protect },
    );
    stageDependencies.push(executionLogs);

    this.stage = new aws.apigateway.Stage(
      name,
      {
        restApi: this.restApi.id,
        deployment: deployment.id,
        stageName: args.stageName,
        xrayTracingEnabled: true,
        accessLogSettings: { destinationArn: accessLogs.arn, format: accessLogFormat() },
        ...(args.cache
          ? { cacheClusterEnabled: true, cacheClusterSize: args.cache.sizeGb }
          : { cacheClusterEnabled: false }),
      },
      { parent: this, dependsOn: stageDependencies },
    );

    const baseSettings = {
      metricsEnabled: true,
      loggingLevel,
      dataTraceEnabled: false,
      ...(args.cache
        ? {
            cachingEnabled: true,
            cacheDataEncrypted: true,
            cacheTtlInSeconds: args.cache.ttlSeconds,
            requireAuthorizationForCacheControl: true,
            unauthorizedCacheControlHeaderStrategy: "FAIL_WITH_403",
          }
        : {}),
    };
    new aws.apigateway.MethodSettings(
      `${name}-all`,
      {
        restApi: this.restApi.id,
        stageName: this.stage.stageName,
        methodPath: "*/*",
        settings: {
          ...baseSettings,
          throttlingRateLimit: args.throttle.rateLimit,
          throttlingBurstLimit: args.throttle.burstLimit,
        },
      },
      { parent: this, dependsOn: stageDependencies },
    );
    // A method's override replaces the stage-wide settings for it, so it repeats them all and
    // changes only the throttle the contract asks for.
    for (const op of args.api.operations) {
      if (op.throttle === undefined) continue;
      new aws.apigateway.MethodSettings(
        `${name}-${op.operationId}`,
        {
          restApi: this.restApi.id,
          stageName: this.stage.stageName,
          methodPath: methodSettingsPath(op),
          settings: {
            ...baseSettings,
            throttlingRateLimit: op.throttle.rateLimit,
            throttlingBurstLimit: op.throttle.burstLimit,
          },
        },
        { parent: this, dependsOn: stageDependencies },
      );
    }

    // WAF: rate limit per client IP first, then AWS's managed rule groups; allow the rest.
    const visibility = (metricName: string) => ({
      cloudwatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    const managedGroup = (ruleName: string, priority: number) => ({
      name: ruleName,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: "AWS", name: ruleName } },
      visibilityConfig: visibility(`${name}-${ruleName}`),
    });
    const webAcl = new aws.wafv2.WebAcl(
      name,
      {
        scope: "REGIONAL",
        description: `Protects the ${args.stageName} stage of ${name}`,
        defaultAction: { allow: {} },
        rules: [
          {
            name: "RateLimitPerIp",
            priority: 0,
            action: { block: {} },
            statement: {
              rateBasedStatement: {
                aggregateKeyType: "IP",
                limit: args.waf.rateLimit,
                evaluationWindowSec: args.waf.evaluationWindowSec,
              },
            },
            visibilityConfig: visibility(`${name}-RateLimitPerIp`),
          },
          managedGroup("AWSManagedRulesCommonRuleSet", 1),
          managedGroup("AWSManagedRulesKnownBadInputsRuleSet", 2),
        ],
        visibilityConfig: visibility(name),
      },
      { parent: this },
    );
    new aws.wafv2.WebAclAssociation(
      name,
      { resourceArn: this.stage.arn, webAclArn: webAcl.arn },
      { parent: this },
    );
    const wafLogs = new aws.cloudwatch.LogGroup(
      `${name}-waf-logs`,
      { namePrefix: `${WAF_LOG_GROUP_PREFIX}${name}-`, ...logGroup },
      { parent: this, protect },
    );
    new aws.wafv2.WebAclLoggingConfiguration(
      name,
      {
        resourceArn: webAcl.arn,
        logDestinationConfigs: [wafLogs.arn],
        // The bearer token: anyone reading the logs could replay it until it expires.
        redactedFields: [{ singleHeader: { name: "authorization" } }],
      },
      { parent: this },
    );

    const defaultInvokeUrl = pulumi
      .all([this.restApi.id, pulumi.output(args.partition)])
      .apply(
        ([id, partition]) =>
          `https://${id}.execute-api.${args.region}.${partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com"}/${args.stageName}`,
      );
    this.invokeUrl = args.customDomain
      ? this.customDomain(name, args.customDomain)
      : defaultInvokeUrl;

    this.restApiId = this.restApi.id;
    this.stageArn = this.stage.arn;
    this.userPoolId = userPool.id;
    this.userPoolArn = userPool.arn;
    this.clientId = client.id;
    this.clientSecret = pulumi.secret(client.clientSecret);
    this.tokenEndpoint = pulumi.interpolate`https://${domain.domain}.auth.${args.region}.amazoncognito.com/oauth2/token`;
    this.webAclArn = webAcl.arn;
    this.accessLogGroupName = accessLogs.name;
    this.executionLogGroupName = executionLogs.name;
    this.vpcLinkId = vpcLink.id;
    this.vpcLinkSecurityGroupId = linkSecurityGroup.id;

    this.registerOutputs({
      invokeUrl: this.invokeUrl,
      restApiId: this.restApiId,
      stageArn: this.stageArn,
      userPoolId: this.userPoolId,
      userPoolArn: this.userPoolArn,
      clientId: this.clientId,
      clientSecret: this.clientSecret,
      tokenEndpoint: this.tokenEndpoint,
      webAclArn: this.webAclArn,
      accessLogGroupName: this.accessLogGroupName,
      executionLogGroupName: this.executionLogGroupName,
      vpcLinkId: this.vpcLinkId,
      vpcLinkSecurityGroupId: this.vpcLinkSecurityGroupId,
    });
  }

  /** The certificate, domain, mapping and alias record; returns the domain's URL. */
  private customDomain(name: string, args: CustomDomainArgs): pulumi.Output<string> {
    const { certificateArn } = dnsValidatedCertificate(
      `${name}-domain`,
      { domainName: args.domainName, hostedZoneId: args.hostedZoneId },
      { parent: this },
    );
    const domainName = new aws.apigateway.DomainName(
      `${name}-domain`,
      {
        domainName: args.domainName,
        // The validation's ARN: the domain waits until the certificate is issued.
        regionalCertificateArn: certificateArn,
        endpointConfiguration: { types: "REGIONAL" },
        securityPolicy: TLS_SECURITY_POLICY,
        endpointAccessMode: ENDPOINT_ACCESS_MODE,
      },
      { parent: this },
    );
    new aws.apigateway.BasePathMapping(
      `${name}-domain`,
      {
        domainName: domainName.domainName,
        restApi: this.restApi.id,
        stageName: this.stage.stageName,
      },
      { parent: this },
    );
    new aws.route53.Record(
      `${name}-domain`,
      {
        zoneId: args.hostedZoneId,
        name: domainName.domainName,
        type: "A",
        aliases: [
          {
            name: domainName.regionalDomainName,
            zoneId: domainName.regionalZoneId,
            evaluateTargetHealth: false,
          },
        ],
      },
      { parent: this },
    );
    return pulumi.output(`https://${args.domainName}`);
  }
}
