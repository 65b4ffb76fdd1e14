import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ACCESS_LOG_GROUP_ARN, stage } from "../../../fixtures/apigateway";
import { violationMessages } from "../../../lib/testing";
import { acmeApigatewayStageEnableAccessLogging as policy } from "./enableAccessLogging";

describe(policy.name, () => {
  test("passes a stage with a destination and a format", async () => {
    assert.deepEqual(await violationMessages(policy, stage()), []);
  });

  test("reports a stage without access log settings", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...stage(), accessLogSettings: undefined }),
      [
        "accessLogSettings is not set; set destinationArn to a CloudWatch log group ARN and format " +
          "to the access log format.",
      ],
    );
  });

  test("reports settings without a format", async () => {
    assert.deepEqual(
      await violationMessages(policy, {
        ...stage(),
        accessLogSettings: { destinationArn: ACCESS_LOG_GROUP_ARN, format: "" },
      }),
      ['accessLogSettings.format is ""; set it, or API Gateway writes no access log.'],
    );
  });
});
