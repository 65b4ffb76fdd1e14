import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type * as aws from "@pulumi/aws";
import type { Unwrap } from "@pulumi/pulumi";
import { REST_API_ID } from "../../../fixtures/apigateway";
import { violationMessages } from "../../../lib/testing";
import { acmeApigatewayIntegrationEnforceHttpsVpcLink as policy } from "./enforceHttpsVpcLink";

/** A proxy integration to the internal load balancer over a VPC link, as ApiGateway builds it. */
const integration = (): Unwrap<aws.apigateway.IntegrationArgs> => ({
  restApi: REST_API_ID,
  resourceId: "abc123",
  httpMethod: "POST",
  type: "HTTP_PROXY",
  integrationHttpMethod: "POST",
  connectionType: "VPC_LINK",
  connectionId: "vpclink-1",
  uri: "https://service-a.internal.example.com/v1/requests",
  tlsConfig: { insecureSkipVerification: false },
});

describe(policy.name, () => {
  test("passes an https URI with verification, and integrations outside a VPC link", async () => {
    assert.deepEqual(await violationMessages(policy, integration()), []);
    const mock = { ...integration(), connectionType: "INTERNET", type: "MOCK", uri: undefined };
    assert.deepEqual(await violationMessages(policy, mock), []);
  });

  test("reports plain HTTP and skipped verification", async () => {
    const props = {
      ...integration(),
      uri: "http://service-a.internal.example.com/v1/requests",
      tlsConfig: { insecureSkipVerification: true },
    };
    assert.deepEqual(await violationMessages(policy, props), [
      'uri is "http://service-a.internal.example.com/v1/requests"; a VPC link integration must ' +
        'call an "https://" URI whose host matches the backend\'s certificate.',
      "tlsConfig.insecureSkipVerification is true; set it to false so the backend's certificate " +
        "is verified.",
    ]);
  });
});
