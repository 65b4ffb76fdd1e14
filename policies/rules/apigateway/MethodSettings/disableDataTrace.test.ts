import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { methodSettings } from "../../../fixtures/apigateway";
import { violationMessages } from "../../../lib/testing";
import { acmeApigatewayMethodsettingsDisableDataTrace as policy } from "./disableDataTrace";

describe(policy.name, () => {
  test("passes data tracing off", async () => {
    assert.deepEqual(await violationMessages(policy, methodSettings()), []);
  });

  test("reports data tracing on", async () => {
    const props = methodSettings();
    props.settings = { ...props.settings, dataTraceEnabled: true };
    assert.deepEqual(await violationMessages(policy, props), [
      "settings.dataTraceEnabled is true, so request and response bodies reach the execution " +
        "log; set it to false.",
    ]);
  });
});
