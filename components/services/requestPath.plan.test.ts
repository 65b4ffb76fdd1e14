import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { cachedPlan } from "../../tools/planCache";
import type { ExportedResource } from "../../tools/stackExport";
import { MOCK_ACCOUNT_ID, simulateIam, type IamDecision } from "../../tools/testing";

// The services as index.ts deploys them (prod plan): each role holds exactly its own access.
describe("the request path's identities (prod plan, IAM evaluation)", () => {
  let resources: ExportedResource[];
  before(() => {
    resources = cachedPlan("prod").export.deployment.resources;
  });

  const named = (type: string, name: string) => {
    const found = resources.filter((r) => r.type === type && r.urn.endsWith(`::${name}`));
    assert.equal(found.length, 1, `expected one ${type} named ${name}, found ${found.length}`);
    return found[0];
  };
  const arn = (type: string, name: string) => String(named(type, name).outputs?.arn);
  const policy = (service: string) =>
    JSON.parse(String(named("aws:iam/rolePolicy:RolePolicy", `${service}-access`).inputs.policy));

  it("lets Service A send to the work queue and use its table, and the worker consume its task queue, nothing across", async () => {
    const queue = "aws:sqs/queue:Queue";
    const work = arn(queue, "workflow-requests");
    const tasks = arn(queue, "worker-tasks");
    const tasksDlq = arn(queue, "worker-tasks-dlq");
    const table = arn("aws:dynamodb/table:Table", "service-a-requests");
    const otherTable = `arn:aws:dynamodb:eu-west-1:${MOCK_ACCOUNT_ID}:table/someone-elses`;
    const rows: Array<[string, string, string, IamDecision]> = [
      ["service-a", "sqs:SendMessage", work, "Allowed"],
      ["service-a", "sqs:ReceiveMessage", work, "ImplicitlyDenied"],
      ["service-a", "sqs:SendMessage", tasks, "ImplicitlyDenied"],
      ["service-a", "sqs:ReceiveMessage", tasks, "ImplicitlyDenied"],
      ["service-a", "dynamodb:PutItem", table, "Allowed"],
      ["service-a", "dynamodb:PutItem", otherTable, "ImplicitlyDenied"],
      ["service-a", "dynamodb:Scan", table, "ImplicitlyDenied"],
      ["worker", "sqs:ReceiveMessage", tasks, "Allowed"],
      ["worker", "sqs:DeleteMessage", tasks, "Allowed"],
      ["worker", "sqs:SendMessage", tasksDlq, "Allowed"],
      ["worker", "sqs:SendMessage", work, "ImplicitlyDenied"],
      ["worker", "sqs:ReceiveMessage", work, "ImplicitlyDenied"],
      ["worker", "dynamodb:PutItem", table, "ImplicitlyDenied"],
      ["worker", "dynamodb:GetItem", table, "ImplicitlyDenied"],
    ];
    const wrong: string[] = [];
    for (const [service, action, resource, expected] of rows) {
      const actual = await simulateIam({
        principal: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${service}`,
        identityPolicies: { access: policy(service) },
        action,
        resource,
      });
      if (actual !== expected)
        wrong.push(`${service} ${action} ${resource}: ${actual}, expected ${expected}`);
    }
    assert.deepEqual(wrong, []);
  });

  it("lets the workflow pods (the handoff step) send to the task queue with its key, nothing more on the queues", async () => {
    const queue = "aws:sqs/queue:Queue";
    const work = arn(queue, "workflow-requests");
    const tasks = arn(queue, "worker-tasks");
    const dataKey = arn("aws:kms/key:Key", "platform-data");
    // The Argo workflow pods' role: the artifact bucket's grant and the steps' grants.
    const policies = Object.fromEntries(
      ["artifacts", "steps"].map((p) => [
        p,
        JSON.parse(
          String(named("aws:iam/rolePolicy:RolePolicy", `platform-workflow-${p}`).inputs.policy),
        ),
      ]),
    );
    // KMS honours IAM policies only where the key policy delegates to the account.
    const keyPolicy = JSON.parse(String(named("aws:kms/key:Key", "platform-data").inputs.policy));
    const viaSqs = { "kms:ViaService": "sqs.eu-west-1.amazonaws.com" };
    const rows: Array<[string, string, Record<string, string>, IamDecision]> = [
      ["sqs:SendMessage", tasks, {}, "Allowed"],
      ["kms:GenerateDataKey", dataKey, viaSqs, "Allowed"],
      ["kms:GenerateDataKey", dataKey, {}, "ImplicitlyDenied"],
      ["sqs:ReceiveMessage", tasks, {}, "ImplicitlyDenied"],
      ["sqs:DeleteMessage", tasks, {}, "ImplicitlyDenied"],
      ["sqs:SendMessage", work, {}, "ImplicitlyDenied"],
      ["sqs:ReceiveMessage", work, {}, "ImplicitlyDenied"],
    ];
    const wrong: string[] = [];
    for (const [action, resource, context, expected] of rows) {
      const actual = await simulateIam({
        principal: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/platform-workflow`,
        identityPolicies: policies,
        resourcePolicy: action.startsWith("kms:") ? keyPolicy : undefined,
        action,
        resource,
        context,
      });
      if (actual !== expected) wrong.push(`${action} ${resource}: ${actual}, expected ${expected}`);
    }
    assert.deepEqual(wrong, []);
  });
});
