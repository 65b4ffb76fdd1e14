import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { repository } from "../../../fixtures/ecr";
import { violationMessages } from "../../../lib/testing";
import { acmeEcrRepositoryEnableScanOnPush as policy } from "./enableScanOnPush";

const MESSAGE = (value: string) =>
  `imageScanningConfiguration.scanOnPush is ${value}; set imageScanningConfiguration to ` +
  "{ scanOnPush: true } so every pushed image is scanned.";

describe(policy.name, () => {
  test("passes a repository that scans on push", async () => {
    assert.deepEqual(await violationMessages(policy, repository()), []);
  });

  test("reports scan on push turned off", async () => {
    assert.deepEqual(
      await violationMessages(policy, {
        ...repository(),
        imageScanningConfiguration: { scanOnPush: false },
      }),
      [MESSAGE("false")],
    );
  });

  test("reports a repository without a scanning configuration", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...repository(), imageScanningConfiguration: undefined }),
      [MESSAGE("not set")],
    );
  });
});
