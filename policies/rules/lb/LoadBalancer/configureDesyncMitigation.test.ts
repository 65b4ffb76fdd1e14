import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadBalancer } from "../../../fixtures/lb";
import { violationMessages } from "../../../lib/testing";
import { acmeLbLoadbalancerConfigureDesyncMitigation as policy } from "./configureDesyncMitigation";

describe(policy.name, () => {
  test("passes strictest, defensive and unset (the defensive default)", async () => {
    for (const mode of ["strictest", "defensive", undefined]) {
      assert.deepEqual(
        await violationMessages(policy, { ...loadBalancer(), desyncMitigationMode: mode }),
        [],
        String(mode),
      );
    }
  });

  test("reports monitor mode", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...loadBalancer(), desyncMitigationMode: "monitor" }),
      [
        'desyncMitigationMode is "monitor"; set it to "strictest" (or "defensive"), so requests ' +
          "that could desynchronise the balancer and its targets are refused.",
      ],
    );
  });
});
