import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { taskDefinition } from "../../../fixtures/ecs";
import { violationMessages } from "../../../lib/testing";
import { acmeEcsTaskdefinitionEnforceHostIsolation as policy } from "./enforceHostIsolation";

const AWSVPC_FIX =
  'set it to "awsvpc" so each task has its own network interface and security groups.';

describe(policy.name, () => {
  test("passes an awsvpc task definition that shares no host namespace", async () => {
    assert.deepEqual(await violationMessages(policy, taskDefinition()), []);
    assert.deepEqual(
      await violationMessages(policy, { ...taskDefinition(), pidMode: "task", ipcMode: "none" }),
      [],
    );
  });

  test("reports host and bridge networking, and an unset mode", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...taskDefinition(), networkMode: "host" }),
      [`networkMode is "host"; ${AWSVPC_FIX}`],
    );
    assert.deepEqual(
      await violationMessages(policy, { ...taskDefinition(), networkMode: undefined }),
      [`networkMode is not set; ${AWSVPC_FIX}`],
    );
  });

  test("reports the host's process and IPC namespaces", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...taskDefinition(), pidMode: "host", ipcMode: "host" }),
      [
        'pidMode is "host"; remove it (or use "task") so tasks keep their own process namespace.',
        'ipcMode is "host"; remove it (or use "task" or "none") so tasks keep their own IPC namespace.',
      ],
    );
  });
});
