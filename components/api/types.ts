/**
 * The seams between the front door's parts (issue 13), so each is built and tested on its own:
 * - document.ts renders the API Gateway document from an HTTP contract (pure; no Pulumi);
 * - apiGateway.ts (`ApiGateway`) owns the REST API, its stage, authorizer, WAF and domain, and
 *   renders the document once the references below are known ({@link ContractApi});
 * - privateIngress.ts (`PrivateIngress`) owns the internal load balancer the VPC link reaches and
 *   registers Service A's pods into its target group.
 */

/** What the rendered document refers to that only exists at deploy time. */
export interface ApiRefs {
  /** `aws.apigatewayv2.VpcLink` id: the integration's `connectionId`. */
  vpcLinkId: string;
  /** The internal load balancer's ARN: the integration's `integrationTarget` (VPC link v2). */
  loadBalancerArn: string;
  /**
   * `https://<host>` of the integration: the host is a name on the load balancer's certificate,
   * so API Gateway's TLS check of the backend passes. No trailing slash.
   */
  backendBaseUrl: string;
  /** ARNs of the Cognito user pools the `cognito_user_pools` authorizer accepts. */
  userPoolArns: string[];
}

/** How one operation of the contract is authorized, as the contract says. */
export type OperationAuthorization =
  /** OAuth2 scopes, checked by the Cognito authorizer. */
  | { kind: "scopes"; scopes: string[] }
  /** Signed with SigV4 (API Gateway's AWS_IAM authorization). */
  | { kind: "iam" }
  /** Explicitly public in the contract (`security: []`). */
  | { kind: "public" };

/** Per-operation throttling the contract asks for. */
export interface OperationThrottle {
  /** Steady-state requests per second. */
  rateLimit: number;
  /** Burst bucket size. */
  burstLimit: number;
}

/**
 * The HTTP_PROXY integration of one operation over the VPC link v2, as data. API Gateway's OpenAPI
 * import is not documented to take the VPC link v2 `integrationTarget` (docs/api.md), so by
 * default the document carries no integration and the ApiGateway component creates one
 * `aws.apigateway.Integration` per operation from this: `connectionType: "VPC_LINK"`,
 * `connectionId: vpcLinkId`, `integrationTarget: loadBalancerArn`,
 * `uri: backendBaseUrl + path`, `integrationHttpMethod: httpMethod`.
 */
export interface OperationIntegration {
  type: "HTTP_PROXY";
  /** Upper-case method sent to the backend (the operation's own). */
  httpMethod: string;
  /** Appended to `ApiRefs.backendBaseUrl` to make the `uri` (the contract's path template). */
  path: string;
  /** Path parameters, and the caller header set from the authenticated identity. */
  requestParameters: Record<string, string>;
  timeoutMilliseconds: number;
}

/** One operation of the rendered document. */
export interface RenderedOperation {
  operationId: string;
  /** Upper-case HTTP method, as `MethodSettings.methodPath` wants it (`POST`). */
  method: string;
  /** The contract's path template (`/v1/workflow-requests/{requestId}`). */
  path: string;
  authorization: OperationAuthorization;
  /** The request validator attached to it (every operation has one). */
  requestValidator: string;
  throttle?: OperationThrottle;
  integration: OperationIntegration;
}

/**
 * One HTTP contract made ready for API Gateway (document.ts): what is known from the contract
 * alone, and the document once the deploy-time references are known.
 */
export interface ContractApi {
  /** Every operation of the contract, in document order. */
  operations: RenderedOperation[];
  /**
   * Every OAuth2 scope the contract's operations require, in full form (`workflow-requests/submit`:
   * Cognito resource server identifier, `/`, scope name), for the user pool's resource servers.
   */
  scopes: string[];
  /** The OpenAPI 3.0 document API Gateway imports as the REST API's `body`. */
  render(refs: ApiRefs): Record<string, unknown>;
}
