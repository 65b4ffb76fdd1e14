import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { kmsKey } from "../../../fixtures/kms";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeKmsKeyConfigureDeletionWindow as policy } from "./configureDeletionWindow";

describe(policy.name, () => {
  test("passes a 30-day window", async () => {
    assert.deepEqual(await violationMessages(policy, kmsKey()), []);
  });

  test("reports a window shorter than the default minimum of 30 days", async () => {
    assert.deepEqual(await violationMessages(policy, { ...kmsKey(), deletionWindowInDays: 7 }), [
      "deletionWindowInDays is 7; set it to at least 30 so a key scheduled for deletion by " +
        "mistake can still be recovered.",
    ]);
  });

  test("passes an unset window, which AWS sets to 30 days", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...kmsKey(), deletionWindowInDays: undefined }),
      [],
    );
  });

  test("applies a configured minimum", async () => {
    assert.deepEqual(
      await violationMessages(
        policy,
        { ...kmsKey(), deletionWindowInDays: 10 },
        { minimumDeletionWindowInDays: 14 },
      ),
      [
        "deletionWindowInDays is 10; set it to at least 14 so a key scheduled for deletion by " +
          "mistake can still be recovered.",
      ],
    );
  });

  test("passes a window at the configured minimum", async () => {
    assert.deepEqual(
      await violationMessages(
        policy,
        { ...kmsKey(), deletionWindowInDays: 14 },
        { minimumDeletionWindowInDays: 14 },
      ),
      [],
    );
  });

  test("leaves an unknown window undecided instead of reporting it", async () => {
    const result = await evaluateProps(policy, {
      ...kmsKey(),
      deletionWindowInDays: unknownValue<number>("number"),
    });
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["number value at .deletionWindowInDays can't be known during preview"],
    );
  });
});
