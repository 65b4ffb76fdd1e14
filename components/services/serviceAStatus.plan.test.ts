/**
 * Service A's status reads as the stacks deploy them: on the prod plan (Argo), its env names the
 * namespace and WorkflowTemplate the sensor uses, and one Role of SERVICE_A_STATUS_RBAC in the
 * workflows namespace is bound to its account, nothing cluster-wide; planned with Step Functions
 * (prod with the Fargate runner, the `--config` example of docs/workflow-engines.md, and dev with
 * the eks runner), its env names the state machine and its role may describe that machine's
 * executions only.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import {
  SERVICE_A_STATUS_RBAC,
  serviceAStatusIamStatements,
} from "../../services/service-a/src/statusAccess";
import { cachedPlan, type CachedPlan, stackFileWithStepFunctions } from "../../tools/planCache";
import type { ExportedResource } from "../../tools/stackExport";
import { simulateIam, MOCK_ACCOUNT_ID, type IamDecision } from "../../tools/testing";
import { EngineName } from "../workflows/engines/capabilities";
import { StepRunner } from "../workflows/engines/stepFunctions";
import { KUBERNETES_API_CREDENTIALS_DIR } from "./microservice";

const ROOT = path.resolve(__dirname, "..", "..");
const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
const ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/** Pulumi.<stack>.yaml's `platform` config. */
function platformOf(file: string): { workflows: { engine: string; namespace: string } } {
  const stackFile = parseYaml(fs.readFileSync(file, "utf8")) as {
    config: Record<string, { workflows: { engine: string; namespace: string } }>;
  };
  return stackFile.config["acme-platform:platform"];
}

/** Service A's Deployment, its container's env as a map, and its pod spec. */
function serviceA(resources: ExportedResource[]) {
  const found = resources.filter(
    (r) => r.type === "kubernetes:apps/v1:Deployment" && r.urn.endsWith("::service-a-deployment"),
  );
  assert.equal(found.length, 1, "one Service A Deployment");
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const pod = (found[0].inputs as any).spec.template.spec;
  const env = Object.fromEntries(
    (pod.containers[0].env as { name: string; value: string }[]).map((e) => [e.name, e.value]),
  );
  return { env, pod };
}

function accessPolicy(resources: ExportedResource[]): { Statement: Record<string, unknown>[] } {
  const found = resources.filter(
    (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.urn.endsWith("::service-a-access"),
  );
  assert.equal(found.length, 1, "one access policy of Service A");
  return JSON.parse(String(found[0].inputs.policy));
}

describe("Service A's status reads on the prod plan (Argo)", () => {
  let run: CachedPlan;
  let resources: ExportedResource[];
  const of = (type: string) => resources.filter((r) => r.type === type);
  before(() => {
    run = cachedPlan("prod");
    resources = run.export.deployment.resources;
  });

  it("plans cleanly", () => {
    assert.equal(run.status, 0, `plan failed:\n${run.stderr}\n${run.stdout}`);
    assert.match(run.stdout, /Policies: \d+ run on \d+ resources: 0 mandatory violation\(s\)/);
    assert.match(run.stdout, /Engine checks: .*: 0 error\(s\)/);
    assert.match(run.stdout, /Cross-resource checks: .*: 0 error\(s\)/);
  });

  it("reads from Argo in the namespace and WorkflowTemplate the sensor submits from", () => {
    const platform = platformOf(path.join(ROOT, "Pulumi.prod.yaml"));
    assert.equal(platform.workflows.engine, EngineName.Argo);
    const templates = of("kubernetes:argoproj.io/v1alpha1:WorkflowTemplate");
    assert.equal(templates.length, 1);
    const template = templates[0].inputs.metadata as { name: string; namespace: string };
    const { env } = serviceA(resources);
    assert.deepEqual(
      [env.WORKFLOW_ENGINE, env.ARGO_NAMESPACE, env.ARGO_WORKFLOW_TEMPLATE],
      ["argo", platform.workflows.namespace, template.name],
    );
    assert.equal(template.namespace, platform.workflows.namespace);
    assert.equal(env.STATE_MACHINE_ARN, undefined);
  });

  it("binds exactly one Role, of exactly SERVICE_A_STATUS_RBAC, in the workflows namespace, to exactly Service A's account", () => {
    const { workflows } = platformOf(path.join(ROOT, "Pulumi.prod.yaml"));
    const sa = { kind: "ServiceAccount", name: "service-a", namespace: "services" };
    const bindings = of(ROLE_BINDING).filter((b) =>
      (b.inputs.subjects as { name: string }[]).some((s) => s.name === sa.name),
    );
    assert.equal(bindings.length, 1, "one RoleBinding names Service A");
    const binding = bindings[0].inputs as {
      metadata: { namespace: string };
      roleRef: { kind: string; name: string };
      subjects: unknown[];
    };
    assert.equal(binding.metadata.namespace, workflows.namespace);
    assert.deepEqual(binding.subjects, [sa]);
    const roles = of(ROLE).filter(
      (r) =>
        (r.inputs.metadata as { name: string; namespace: string }).name === binding.roleRef.name &&
        (r.inputs.metadata as { namespace: string }).namespace === workflows.namespace,
    );
    assert.equal(binding.roleRef.kind, "Role");
    assert.equal(roles.length, 1);
    assert.deepEqual(roles[0].inputs.rules, SERVICE_A_STATUS_RBAC);
    // Nothing cluster-wide names Service A.
    const clusterWide = resources.filter(
      (r) =>
        /:ClusterRole(Binding)?$/.test(r.type) &&
        (r.urn.includes("service-a") || JSON.stringify(r.inputs).includes('"service-a"')),
    );
    assert.deepEqual(
      clusterWide.map((r) => r.urn),
      [],
    );
  });

  it("gives Service A's container a projected token and its pods egress to the API's ClusterIP", () => {
    const { pod } = serviceA(resources);
    assert.equal(pod.automountServiceAccountToken, false);
    const mount = pod.containers[0].volumeMounts.find(
      (m: { mountPath: string }) => m.mountPath === KUBERNETES_API_CREDENTIALS_DIR,
    );
    assert.equal(mount?.readOnly, true);
    const policies = of(NETWORK_POLICY).filter((p) =>
      p.urn.endsWith("::service-a-allow-kubernetes-api"),
    );
    assert.equal(policies.length, 1);
    assert.deepEqual((policies[0].inputs.spec as { egress: unknown }).egress, [
      { to: [{ ipBlock: { cidr: "172.20.0.1/32" } }], ports: [{ protocol: "TCP", port: 443 }] },
    ]);
  });

  it("grants Service A no Step Functions action", () => {
    const actions = accessPolicy(resources).Statement.flatMap((s) => s.Action as string[]);
    assert.deepEqual(
      actions.filter((a) => a.startsWith("states:")),
      [],
    );
  });
});

for (const [stack, stepRunner] of [
  ["prod", undefined],
  ["dev", StepRunner.Eks],
] as const) {
  describe(`Service A's status reads on ${stack} planned with Step Functions (--config, runner ${stepRunner ?? "default"})`, () => {
    let run: CachedPlan;
    let resources: ExportedResource[];
    let machineArn: string;
    const of = (type: string) => resources.filter((r) => r.type === type);
    before(() => {
      run = cachedPlan(stack, stackFileWithStepFunctions(stack, stepRunner));
      resources = run.export.deployment.resources;
      const machines = of("aws:sfn/stateMachine:StateMachine");
      assert.equal(machines.length, 1);
      machineArn = String(machines[0].outputs?.arn);
    });

    it("plans cleanly", () => {
      assert.equal(run.status, 0, `plan failed:\n${run.stderr}\n${run.stdout}`);
      assert.match(run.stdout, /Cross-resource checks: .*: 0 error\(s\)/);
    });

    it("reads from Step Functions, naming the stack's state machine", () => {
      const { env } = serviceA(resources);
      assert.deepEqual(
        [env.WORKFLOW_ENGINE, env.STATE_MACHINE_ARN, env.REQUEST_STORE],
        ["step-functions", machineArn, "dynamodb"],
      );
      assert.equal(env.ARGO_NAMESPACE, undefined);
    });

    it("holds serviceAStatusIamStatements(the machine's ARN) on its role: DescribeExecution on that machine's executions only", async () => {
      const policy = accessPolicy(resources);
      const status = policy.Statement.filter((s) =>
        (s.Action as string[]).some((a) => a.startsWith("states:")),
      );
      assert.deepEqual(status, serviceAStatusIamStatements(machineArn));
      const execution = (machine: string, name: string) =>
        `${machine.replace(":stateMachine:", ":execution:")}:${name}`;
      const other = machineArn.replace(/:stateMachine:.*$/, ":stateMachine:someone-elses");
      const rows: Array<[string, string, IamDecision]> = [
        ["states:DescribeExecution", execution(machineArn, "abc-123"), "Allowed"],
        ["states:DescribeExecution", execution(other, "abc-123"), "ImplicitlyDenied"],
        ["states:StartExecution", machineArn, "ImplicitlyDenied"],
        ["states:StopExecution", execution(machineArn, "abc-123"), "ImplicitlyDenied"],
      ];
      const wrong: string[] = [];
      for (const [action, resource, expected] of rows) {
        const actual = await simulateIam({
          principal: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/service-a`,
          identityPolicies: { access: policy },
          action,
          resource,
        });
        if (actual !== expected)
          wrong.push(`${action} ${resource}: ${actual}, expected ${expected}`);
      }
      assert.deepEqual(wrong, []);
    });

    it("gives Service A no Kubernetes API access: no Role, binding, token or API NetworkPolicy", () => {
      const named = resources.filter(
        (r) =>
          [ROLE, ROLE_BINDING, NETWORK_POLICY].includes(r.type) &&
          /::service-a-(k8s-|allow-kubernetes-api)/.test(r.urn),
      );
      assert.deepEqual(
        named.map((r) => r.urn),
        [],
      );
      const { pod } = serviceA(resources);
      assert.deepEqual(
        (pod.volumes as { projected?: unknown }[]).filter((v) => v.projected !== undefined),
        [],
      );
    });
  });
}
