import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { container, taskDefinition } from "../../../fixtures/ecs";
import { violationMessages } from "../../../lib/testing";
import { acmeEcsTaskdefinitionEnforceNonRootUser as policy } from "./enforceNonRootUser";

const FIX = 'set user to a non-zero uid and gid, e.g. "1000:1000".';

const withUser = (user: string | undefined) => taskDefinition([{ ...container(), user }]);

describe(policy.name, () => {
  test("passes non-root users in each form ECS accepts", async () => {
    for (const user of ["1000:1000", "1000", "app", "app:app", "1000:0"]) {
      assert.deepEqual(await violationMessages(policy, withUser(user)), [], user);
    }
  });

  test("reports root by name, by uid and with a group", async () => {
    for (const user of ["root", "0", "0:0", "root:1000", "00"]) {
      assert.deepEqual(
        await violationMessages(policy, withUser(user)),
        [`container "main": user is "${user}", which is root; ${FIX}`],
        user,
      );
    }
  });

  test("reports a container that leaves user unset, so the image decides", async () => {
    assert.deepEqual(await violationMessages(policy, withUser(undefined)), [
      `container "main": user is not set, so it runs as the image's user (root unless the image says otherwise); ${FIX}`,
    ]);
  });
});
