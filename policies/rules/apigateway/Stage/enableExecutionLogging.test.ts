import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  APIGATEWAY_STAGE,
  apiGatewayStack,
  methodSettings,
  methodSettingsResource,
  stageResource,
} from "../../../fixtures/apigateway";
import { evaluateSqsStack, type StackResource } from "../../../fixtures/sqs";
import { testUrn, unknownValue } from "../../../lib/testing";
import { acmeApigatewayStageEnableExecutionLogging as policy } from "./enableExecutionLogging";

const NO_SETTINGS =
  "API Gateway stage front-door has no method settings for every method; add an " +
  'aws.apigateway.MethodSettings with its restApi and stageName, methodPath "*/*" and ' +
  'settings.loggingLevel "INFO" or "ERROR".';

async function violations(resources: StackResource[]): Promise<[string, string][]> {
  return (await evaluateSqsStack(policy, resources)).violations.map((v) => [v.urn, v.message]);
}

describe(policy.name, () => {
  test("passes a stage with INFO logging for every method", async () => {
    assert.deepEqual(await violations(apiGatewayStack()), []);
  });

  test("passes ERROR logging", async () => {
    const settings = { ...methodSettings().settings, loggingLevel: "ERROR" };
    assert.deepEqual(
      await violations([stageResource(), methodSettingsResource("all", { settings })]),
      [],
    );
  });

  test("reports a stage without method settings", async () => {
    assert.deepEqual(await violations([stageResource()]), [
      [testUrn(APIGATEWAY_STAGE, "front-door"), NO_SETTINGS],
    ]);
  });

  test("reports logging turned off", async () => {
    const settings = { ...methodSettings().settings, loggingLevel: "OFF" };
    assert.deepEqual(
      await violations([stageResource(), methodSettingsResource("all", { settings })]),
      [
        [
          testUrn(APIGATEWAY_STAGE, "front-door"),
          'API Gateway stage front-door: MethodSettings all has settings.loggingLevel "OFF"; ' +
            'set it to "INFO" or "ERROR".',
        ],
      ],
    );
  });

  test("does not count settings for one method, or for another stage", async () => {
    assert.deepEqual(
      await violations([
        stageResource(),
        methodSettingsResource("one", { methodPath: "orders/GET" }),
        methodSettingsResource("other-stage", { stageName: "v2" }),
      ]),
      [[testUrn(APIGATEWAY_STAGE, "front-door"), NO_SETTINGS]],
    );
  });

  test("ignores a stack without stages, and a stage whose name is not known is undecided", async () => {
    assert.deepEqual(await violations([methodSettingsResource()]), []);
    const result = await evaluateSqsStack(policy, [
      stageResource("front-door", { stageName: unknownValue<string>("string") }),
    ]);
    assert.deepEqual(result.violations, []);
    assert.equal(result.undecidable.length, 1);
  });
});
