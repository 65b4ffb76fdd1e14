/**
 * The dev stack planned offline with `platform.workflows.engine: step-functions`, through a
 * `--config` copy of Pulumi.dev.yaml (docs/workflow-engines.md): the engine's AWS side replaces
 * the Argo WorkflowTemplate and Argo Events, and the plan passes the policy pack and every check.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import aslValidator from "asl-validator";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { cachedPlan, type CachedPlan } from "../../tools/planCache";
import type { ExportedResource } from "../../tools/stackExport";
import { EngineName } from "./engines/capabilities";

const ROOT = path.resolve(__dirname, "..", "..");

/** Pulumi.dev.yaml with only the engine changed, written where `--config` reads it. */
function devWithStepFunctions(): string {
  const stackFile = parseYaml(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as {
    config: Record<string, { workflows: { engine: string } }>;
  };
  const platform = stackFile.config["acme-platform:platform"];
  assert.equal(platform.workflows.engine, EngineName.Argo, "dev stays on Argo");
  platform.workflows.engine = EngineName.StepFunctions;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sfn-")), "Pulumi.dev.yaml");
  fs.writeFileSync(file, stringifyYaml(stackFile));
  return file;
}

describe("dev planned with the Step Functions engine (--config)", () => {
  let run: CachedPlan;
  let resources: ExportedResource[];
  const of = (type: string) => resources.filter((r) => r.type === type);

  before(() => {
    run = cachedPlan("dev", devWithStepFunctions());
    resources = run.export.deployment.resources;
  });

  it("plans cleanly: 0 mandatory policy violations, 0 engine and cross-resource errors", () => {
    assert.equal(run.status, 0, `plan failed:\n${run.stderr}\n${run.stdout}`);
    assert.match(run.stdout, /Policies: \d+ run on \d+ resources: 0 mandatory violation\(s\)/);
    assert.match(run.stdout, /Engine checks: .*: 0 error\(s\)/);
    assert.match(run.stdout, /Cross-resource checks: .*: 0 error\(s\)/);
  });

  it("creates the state machine and its pipe, and no Argo Events, sensor or WorkflowTemplate", () => {
    assert.equal(of("acme:workflows:StepFunctionsEngine").length, 1);
    assert.equal(of("aws:sfn/stateMachine:StateMachine").length, 1);
    assert.equal(of("aws:pipes/pipe:Pipe").length, 1);
    for (const absent of [
      "acme:workflows:ArgoEvents",
      "acme:workflows:RequestWorkflowTemplate",
      "kubernetes:argoproj.io/v1alpha1:Sensor",
      "kubernetes:argoproj.io/v1alpha1:EventSource",
      "kubernetes:argoproj.io/v1alpha1:EventBus",
      "kubernetes:argoproj.io/v1alpha1:WorkflowTemplate",
    ]) {
      assert.deepEqual(
        of(absent).map((r) => r.urn),
        [],
        `${absent} in a step-functions stack`,
      );
    }
    // The Job pods' namespace and service account (with the task-queue grant) still come with it.
    assert.equal(of("acme:workflows:ArgoWorkflows").length, 1);
  });

  it("runs a state machine whose ASL passes asl-validator and targets this cluster's namespace", () => {
    const [machine] = of("aws:sfn/stateMachine:StateMachine");
    const asl = JSON.parse(machine.inputs.definition as string) as {
      States: Record<
        string,
        { Type: string; Resource?: string; Arguments?: Record<string, unknown> }
      >;
    };
    const result = aslValidator(asl);
    assert.deepEqual(result.isValid ? [] : result.errors.map((e) => e.message), []);
    const tasks = Object.values(asl.States).filter((s) => s.Type === "Task");
    assert.ok(tasks.length > 0);
    const [cluster] = of("aws:eks/cluster:Cluster");
    const ca = (cluster.outputs.certificateAuthority as { data: string }).data;
    assert.match(cluster.outputs.endpoint as string, /^https:\/\//);
    for (const task of tasks) {
      assert.equal(task.Resource, "arn:aws:states:::eks:runJob.sync");
      assert.equal(task.Arguments?.ClusterName, cluster.outputs.name);
      assert.equal(task.Arguments?.Endpoint, cluster.outputs.endpoint);
      assert.equal(task.Arguments?.CertificateAuthority, ca);
      assert.equal(task.Arguments?.Namespace, "workflows");
    }
  });

  it("lets log delivery decrypt with the data key, which encrypts the state machine", () => {
    const dataKey = of("aws:kms/key:Key").find((k) => k.urn.endsWith("::platform-data"));
    assert.ok(dataKey);
    const policy = JSON.parse(dataKey.inputs.policy as string) as {
      Statement: Array<{ Sid: string }>;
    };
    const sids = policy.Statement.map((s) => s.Sid);
    assert.ok(sids.includes("LogDeliveryOfVendedLogs"), `data key statements: ${sids.join(", ")}`);
  });
});
