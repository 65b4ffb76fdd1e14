import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { stage } from "../../../fixtures/apigateway";
import { violationMessages } from "../../../lib/testing";
import { acmeApigatewayStageEnableXrayTracing as policy } from "./enableXrayTracing";

describe(policy.name, () => {
  test("passes a stage with X-Ray tracing", async () => {
    assert.deepEqual(await violationMessages(policy, stage()), []);
  });

  test("reports a stage with tracing off", async () => {
    assert.deepEqual(await violationMessages(policy, { ...stage(), xrayTracingEnabled: false }), [
      "xrayTracingEnabled is false; set it to true.",
    ]);
  });

  test("reports a stage that leaves tracing unset, which means off", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...stage(), xrayTracingEnabled: undefined }),
      ["xrayTracingEnabled is not set; set it to true."],
    );
  });
});
