import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { launchTemplate } from "../../../fixtures/ec2";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeEc2LaunchtemplateEnforceImdsv2 as policy } from "./enforceImdsv2";

const REQUIRE = 'set it to "required" so instances accept only IMDSv2 session tokens.';

describe(policy.name, () => {
  test("passes a template that requires IMDSv2 tokens", async () => {
    assert.deepEqual(await violationMessages(policy, launchTemplate()), []);
  });

  test('reports httpTokens "optional"', async () => {
    const template = launchTemplate();
    template.metadataOptions = { ...template.metadataOptions, httpTokens: "optional" };
    assert.deepEqual(await violationMessages(policy, template), [
      `metadataOptions.httpTokens is "optional"; ${REQUIRE}`,
    ]);
  });

  test("reports a template without metadataOptions, which allows IMDSv1", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...launchTemplate(), metadataOptions: undefined }),
      [`metadataOptions.httpTokens is not set (AWS default: "optional"); ${REQUIRE}`],
    );
  });

  test("leaves unknown httpTokens undecided instead of reporting it", async () => {
    const template = launchTemplate();
    template.metadataOptions = { httpTokens: unknownValue<string>("string") };
    const result = await evaluateProps(policy, template);
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["string value at .metadataOptions.httpTokens can't be known during preview"],
    );
  });
});
