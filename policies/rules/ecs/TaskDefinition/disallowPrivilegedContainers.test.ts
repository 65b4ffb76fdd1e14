import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { container, taskDefinition } from "../../../fixtures/ecs";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeEcsTaskdefinitionDisallowPrivilegedContainers as policy } from "./disallowPrivilegedContainers";

describe(policy.name, () => {
  test("passes containers that are not privileged, set false or unset", async () => {
    assert.deepEqual(
      await violationMessages(
        policy,
        taskDefinition([container(), { ...container("sidecar"), privileged: undefined }]),
      ),
      [],
    );
  });

  test("reports a privileged container", async () => {
    assert.deepEqual(
      await violationMessages(policy, taskDefinition([{ ...container(), privileged: true }])),
      ['container "main": privileged is true; remove it or set it to false.'],
    );
  });

  test("labels a container without a name by its position", async () => {
    const unnamed = { ...container(), privileged: true, name: "" };
    assert.deepEqual(await violationMessages(policy, taskDefinition([container("a"), unnamed])), [
      "container 1: privileged is true; remove it or set it to false.",
    ]);
  });

  test("leaves container definitions not known yet undecided", async () => {
    const result = await evaluateProps(policy, {
      ...taskDefinition(),
      containerDefinitions: unknownValue<string>("string"),
    });
    assert.deepEqual(result.violations, []);
    assert.equal(result.undecidable.length, 1);
  });
});
