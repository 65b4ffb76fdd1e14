/**
 * The capability matrix holds both compilers to account: for every feature, a definition that uses
 * it compiles on an engine that supports it and fails on one that does not, naming the workflow,
 * the step and the feature. docs/workflow-engines.md must say the same.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import type { WorkflowDefinition } from "../definition";
import {
  CAPABILITIES,
  EngineName,
  Feature,
  featuresUsed,
  seriesParallel,
  UnsupportedFeatureError,
} from "./capabilities";
import { ARGO_TARGET, diamond, reference, SFN_TARGET, step } from "./fixtures";
import { WORKFLOW_ENGINES } from "./index";

/** For each feature, a definition using it (and nothing the other engine lacks) and the step. */
const FIXTURES: Record<Feature, { def: () => WorkflowDefinition; step?: string }> = {
  [Feature.ContainerSteps]: { def: reference, step: "main" },
  [Feature.DagDependencies]: { def: diamond, step: "transform" },
  [Feature.NonSeriesParallelDag]: {
    def: () => ({
      ...diamond(),
      steps: [
        step("a"),
        step("b"),
        step("c", { dependencies: ["a", "b"] }),
        step("d", { dependencies: ["b"] }),
      ],
      onFailure: undefined,
    }),
    step: "c",
  },
  [Feature.RetryBackoff]: { def: reference, step: "main" },
  [Feature.ResourcesBeyondFargate]: {
    def: () => {
      const def = diamond();
      def.steps[2] = step("validate", {
        dependencies: ["fetch"],
        retry: undefined,
        timeoutSeconds: 120,
        resources: { cpu: "16", memory: "128Gi" },
      });
      return def;
    },
    step: "validate",
  },
  [Feature.FractionalBackoffFactor]: {
    def: () => {
      const def = diamond();
      def.steps[1] = step("transform", {
        dependencies: ["fetch"],
        retry: { limit: 2, initialInterval: "5s", factor: 1.5, maxInterval: "1m" },
      });
      return def;
    },
    step: "transform",
  },
  [Feature.SubSecondRetryInterval]: {
    def: () => {
      const def = diamond();
      def.steps[0] = step("fetch", {
        retry: { limit: 2, initialInterval: "500ms", factor: 2, maxInterval: "2s" },
      });
      return def;
    },
    step: "fetch",
  },
  [Feature.StepTimeout]: { def: reference, step: "main" },
  [Feature.TotalTimeout]: { def: reference },
  [Feature.OnFailureStep]: { def: diamond, step: "notify-failure" },
  [Feature.OnFailureAfterTotalTimeout]: {
    // Worst case: 915 s (fetch) + 915 s (transform) + 915 s (publish) + 610 s (notify) > 3000 s.
    def: () => ({ ...diamond(), timeoutSeconds: 3000 }),
    step: "notify-failure",
  },
  [Feature.TraceContext]: { def: reference, step: "main" },
};

const TARGETS = { [EngineName.Argo]: ARGO_TARGET, [EngineName.StepFunctions]: SFN_TARGET };

describe("capability matrix", () => {
  for (const feature of Object.values(Feature)) {
    const fixture = FIXTURES[feature];
    it(`${feature}: the fixture uses it at step ${fixture.step ?? "(workflow)"}`, () => {
      assert.ok(
        featuresUsed(fixture.def()).some((u) => u.feature === feature && u.step === fixture.step),
      );
    });
    for (const engine of Object.values(WORKFLOW_ENGINES)) {
      const support = CAPABILITIES[feature][engine.name];
      it(`${feature} on ${engine.name}: ${support.supported ? "compiles" : "is refused, named"}`, () => {
        const compile = () => engine.compile(fixture.def(), TARGETS[engine.name] as never);
        if (support.supported) {
          assert.doesNotThrow(compile);
          return;
        }
        assert.throws(compile, (e: Error) => {
          assert.ok(e instanceof UnsupportedFeatureError);
          assert.deepEqual(
            e.problems.map((p) => [p.engine, p.workflow, p.step, p.feature]),
            [[engine.name, fixture.def().name, fixture.step, feature]],
          );
          assert.match(e.message, new RegExp(`step "${fixture.step}" uses ${feature} \\(`));
          return true;
        });
      });
    }
  }

  it("has at least one feature each engine refuses", () => {
    for (const engine of Object.values(EngineName)) {
      assert.ok(
        Object.values(CAPABILITIES).some((c) => !c[engine].supported),
        `${engine} refuses something`,
      );
    }
  });

  it("is what docs/workflow-engines.md says, feature by feature", () => {
    const doc = fs.readFileSync(path.join(__dirname, "../../../docs/workflow-engines.md"), "utf8");
    const rows = new Map(
      [...doc.matchAll(/^\| `([a-z-]+)` +\|[^|]*\| (yes|no)\b[^|]*\| (yes|no)\b[^|]*\|$/gm)].map(
        (m) => [m[1], [m[2] === "yes", m[3] === "yes"]],
      ),
    );
    assert.deepEqual([...rows.keys()].sort(), Object.values(Feature).sort(), "one row per feature");
    for (const feature of Object.values(Feature)) {
      assert.deepEqual(rows.get(feature), [
        CAPABILITIES[feature].argo.supported,
        CAPABILITIES[feature]["step-functions"].supported,
      ]);
    }
  });
});

describe("seriesParallel", () => {
  it("nests sequences and parallel branches so the order is the DAG's", () => {
    assert.deepEqual(seriesParallel(diamond().steps), {
      tree: {
        kind: "sequence",
        items: [
          { kind: "step", name: "fetch" },
          {
            kind: "parallel",
            branches: [
              { kind: "step", name: "transform" },
              { kind: "step", name: "validate" },
            ],
          },
          { kind: "step", name: "publish" },
        ],
      },
    });
  });

  it("keeps independent chains as parallel sequences", () => {
    const steps = [
      step("a"),
      step("b", { dependencies: ["a"] }),
      step("x"),
      step("y", { dependencies: ["x"] }),
    ];
    assert.deepEqual(seriesParallel(steps), {
      tree: {
        kind: "parallel",
        branches: [
          {
            kind: "sequence",
            items: [
              { kind: "step", name: "a" },
              { kind: "step", name: "b" },
            ],
          },
          {
            kind: "sequence",
            items: [
              { kind: "step", name: "x" },
              { kind: "step", name: "y" },
            ],
          },
        ],
      },
    });
  });
});
