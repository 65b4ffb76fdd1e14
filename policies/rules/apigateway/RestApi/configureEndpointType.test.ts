import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type * as aws from "@pulumi/aws";
import type { Unwrap } from "@pulumi/pulumi";
import { violationMessages } from "../../../lib/testing";
import { acmeApigatewayRestapiConfigureEndpointType as policy } from "./configureEndpointType";

const restApi = (types?: string): Unwrap<aws.apigateway.RestApiArgs> => ({
  name: "front-door",
  ...(types === undefined ? {} : { endpointConfiguration: { types } }),
});

describe(policy.name, () => {
  test("passes a Regional API", async () => {
    assert.deepEqual(await violationMessages(policy, restApi("REGIONAL")), []);
  });

  test("reports an unset endpoint type (EDGE) and EDGE itself", async () => {
    assert.deepEqual(await violationMessages(policy, restApi()), [
      "endpointConfiguration.types is not set; set it to one of REGIONAL, PRIVATE.",
    ]);
    assert.deepEqual(await violationMessages(policy, restApi("EDGE")), [
      'endpointConfiguration.types is "EDGE"; set it to one of REGIONAL, PRIVATE.',
    ]);
  });
});
