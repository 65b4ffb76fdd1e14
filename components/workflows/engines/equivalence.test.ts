/**
 * Deliverable 5 of issue 14: the same definition compiles to both engines, and what each engine's
 * document says (read back into the neutral structure) is the same: steps, dependencies, retry
 * limits and backoff, timeouts, failure handling. Mutating one compiler's output must break it.
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { WorkflowDefinition } from "../definition";
import { argoStructure, compileArgo } from "./argo";
import { definitionStructure, type WorkflowStructure } from "./capabilities";
import { ARGO_TARGET, diamond, reference, SFN_TARGET } from "./fixtures";
import { WORKFLOW_ENGINES } from "./index";
import { compileStepFunctions, stepFunctionsStructure } from "./stepFunctions";

type Json = Record<string, unknown>;

function both(def: WorkflowDefinition): { argo: WorkflowStructure; sfn: WorkflowStructure } {
  return {
    argo: argoStructure(compileArgo(def, ARGO_TARGET)),
    sfn: stepFunctionsStructure(compileStepFunctions(def, SFN_TARGET)),
  };
}

describe("engine equivalence", () => {
  for (const [label, def] of [
    ["the reference workflow", reference()],
    ["the diamond with an on-failure step", diamond()],
  ] as const) {
    it(`${label}: Argo and Step Functions say the same, and what the definition says`, () => {
      const { argo, sfn } = both(def);
      assert.deepEqual(argo, sfn);
      assert.deepEqual(argo, definitionStructure(def));
    });
  }

  it("compares something real: the reference's step, retry and timeouts", () => {
    const { sfn } = both(reference());
    assert.deepEqual(sfn, {
      name: "service-a-request",
      timeoutSeconds: 3600,
      steps: [
        {
          name: "main",
          command: ["node", "--enable-source-maps", "dist/handoff.js"],
          args: [
            "--request-id",
            { param: "requestId" },
            "--workflow-template",
            { param: "workflowTemplate" },
            "--parameters",
            { param: "parameters" },
            "--traceparent",
            { param: "traceparent" },
            "--task",
            "main",
          ],
          serviceAccountName: "argo-workflow",
          retry: { limit: 3, initialIntervalSeconds: 30, factor: 2, maxIntervalSeconds: 600 },
          timeoutSeconds: 3600,
          dependencies: [],
        },
      ],
    });
    assert.deepEqual(
      both(diamond()).argo.steps.map((s) => [s.name, s.dependencies]),
      [
        ["fetch", []],
        ["publish", ["transform", "validate"]],
        ["transform", ["fetch"]],
        ["validate", ["fetch"]],
      ],
      "dependencies after transitive reduction: the redundant publish → fetch is implied",
    );
  });

  it("notices a changed retry limit in the ASL", () => {
    const asl = compileStepFunctions(reference(), SFN_TARGET) as { States: Record<string, Json> };
    (asl.States.main.Retry as Json[])[0].MaxAttempts = 4;
    assert.notDeepEqual(
      stepFunctionsStructure(asl),
      argoStructure(compileArgo(reference(), ARGO_TARGET)),
    );
  });

  it("notices a dropped dependency in the WorkflowTemplate", () => {
    const wt = compileArgo(diamond(), ARGO_TARGET) as { spec: { templates: Json[] } };
    const tasks = (wt.spec.templates[0].dag as { tasks: Json[] }).tasks;
    tasks[3].dependencies = ["transform"];
    assert.notDeepEqual(argoStructure(wt), both(diamond()).sfn);
  });

  it("notices a lost on-failure step and a changed step timeout in the ASL", () => {
    const noCatch = compileStepFunctions(diamond(), SFN_TARGET) as { States: Record<string, Json> };
    for (const state of Object.values(noCatch.States)) delete state.Catch;
    assert.equal(stepFunctionsStructure(noCatch).onFailure, undefined);
    assert.notDeepEqual(stepFunctionsStructure(noCatch), both(diamond()).argo);
    const slower = compileStepFunctions(diamond(), SFN_TARGET) as { States: Record<string, Json> };
    slower.States.fetch.TimeoutSeconds = 301;
    assert.notDeepEqual(stepFunctionsStructure(slower), both(diamond()).argo);
  });

  it("holds through the WorkflowEngine interface for every engine", () => {
    const targets = { argo: ARGO_TARGET, "step-functions": SFN_TARGET } as const;
    const structures = Object.values(WORKFLOW_ENGINES).map((engine) =>
      engine.structure(engine.compile(diamond(), targets[engine.name] as never)),
    );
    assert.equal(structures.length, 2);
    assert.deepEqual(structures[0], structures[1]);
  });
});
