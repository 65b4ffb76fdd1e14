import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type * as aws from "@pulumi/aws";
import type { Unwrap } from "@pulumi/pulumi";
import { REST_API_ID, STAGE_NAME } from "../../../fixtures/apigateway";
import { evaluateSqsStack, type StackResource } from "../../../fixtures/sqs";
import { testUrn } from "../../../lib/testing";
import { acmeApigatewayRestapiDisableDefaultEndpoint as policy } from "./disableDefaultEndpoint";

const REST_API = "aws:apigateway/restApi:RestApi";

function restApi(disableExecuteApiEndpoint?: boolean): StackResource {
  const outputs: Unwrap<aws.apigateway.RestApiState> & { id: string } = {
    id: REST_API_ID,
    name: "front-door",
    endpointConfiguration: { types: "REGIONAL" },
    disableExecuteApiEndpoint,
  };
  return { type: REST_API, name: "front-door", outputs };
}

const mapping: StackResource = {
  type: "aws:apigateway/basePathMapping:BasePathMapping",
  name: "front-door",
  outputs: { restApi: REST_API_ID, stageName: STAGE_NAME, domainName: "api.example.com" },
};

describe(policy.name, () => {
  test("passes a mapped API without its default endpoint, and an unmapped API with it", async () => {
    assert.deepEqual((await evaluateSqsStack(policy, [restApi(true), mapping])).violations, []);
    assert.deepEqual((await evaluateSqsStack(policy, [restApi(false)])).violations, []);
  });

  test("reports a mapped API that keeps its default endpoint", async () => {
    const result = await evaluateSqsStack(policy, [restApi(undefined), mapping]);
    assert.deepEqual(
      result.violations.map((v) => [v.urn, v.message]),
      [
        [
          testUrn(REST_API, "front-door"),
          "REST API front-door is served on custom domain api.example.com but " +
            "disableExecuteApiEndpoint is not set; set it to true so clients cannot bypass the " +
            "domain's TLS policy.",
        ],
      ],
    );
  });
});
