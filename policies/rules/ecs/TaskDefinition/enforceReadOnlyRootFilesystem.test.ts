import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { container, taskDefinition } from "../../../fixtures/ecs";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeEcsTaskdefinitionEnforceReadOnlyRootFilesystem as policy } from "./enforceReadOnlyRootFilesystem";

const FIX = "set it to true and mount a volume where the process must write.";

describe(policy.name, () => {
  test("passes a task definition whose containers have a read-only root", async () => {
    assert.deepEqual(
      await violationMessages(policy, taskDefinition([container(), container("sidecar")])),
      [],
    );
  });

  test("reports a writable root, naming the container", async () => {
    assert.deepEqual(
      await violationMessages(
        policy,
        taskDefinition([container(), { ...container("sidecar"), readonlyRootFilesystem: false }]),
      ),
      [`container "sidecar": readonlyRootFilesystem is false; ${FIX}`],
    );
  });

  test("reports a container that leaves it unset, which means writable", async () => {
    assert.deepEqual(
      await violationMessages(
        policy,
        taskDefinition([{ ...container(), readonlyRootFilesystem: undefined }]),
      ),
      [`container "main": readonlyRootFilesystem is not set; ${FIX}`],
    );
  });

  test("reports container definitions that are not a JSON array", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...taskDefinition(), containerDefinitions: "{not json" }),
      [
        "containerDefinitions is not a JSON array of container definitions, so read-only root filesystems cannot be checked; pass JSON.stringify([...]) of the containers.",
      ],
    );
  });

  test("leaves container definitions not known yet undecided instead of reporting them", async () => {
    const result = await evaluateProps(policy, {
      ...taskDefinition(),
      containerDefinitions: unknownValue<string>("string"),
    });
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["string value at .containerDefinitions can't be known during preview"],
    );
  });
});
