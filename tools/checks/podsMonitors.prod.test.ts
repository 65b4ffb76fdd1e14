/**
 * The pods and monitors checks over the real program for prod, as the plan runs them. They found
 * issue #9's findings 1 (YACE's named user) and 8 (the Linkerd control-plane PodMonitor's port);
 * both are fixed, so prod must be clean. The checks' own tests hold the failing cases.
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MOCK_ACCOUNT_ID } from "../mocks";
import { cachedPlan } from "../planCache";
import { runCrossChecks } from "./crossResource";
import { monitorsCheck } from "./monitors";
import { podsCheck } from "./pods";

/** Every error the two checks report for prod: none. */
const EXPECTED_PROD_ERRORS: string[] = [];

describe("pods and monitors over the prod program", () => {
  it("report exactly the known findings", async () => {
    const run = cachedPlan("prod");
    const report = runCrossChecks(
      run.checkable,
      { accountId: MOCK_ACCOUNT_ID, partition: "aws", region: run.region },
      [podsCheck, monitorsCheck],
    );
    assert.deepEqual(report.errors, EXPECTED_PROD_ERRORS);
    // Both looked at something: every pod template and every monitor of prod (the two services
    // add a Deployment and a ServiceMonitor each; KEDA adds its PodMonitor, the log path its two:
    // Fluent Bit and Logstash). prod lists no platform.workflows.eventTriggers, so there is no
    // domain-event EventSource pod.
    const counted = Object.fromEntries(report.results.map((r) => [r.name, r.checked]));
    assert.deepEqual(counted, { pods: 14, monitors: 10 });
  });
});
