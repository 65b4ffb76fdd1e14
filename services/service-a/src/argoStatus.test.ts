import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { workflowName } from "@acme/contracts";
import { selfSignedCertificate } from "@acme/service-kit/testCertificate";
import { ArgoStatusSource, kubernetesApiUrl, serviceAccountCredentials } from "./argoStatus";
import { FakeKubernetesApi, fixture } from "./fakeKubernetesApi";
import type { StoredRequest } from "./model";
import { UnknownEngineStatusError } from "./status";

const KEY = "nightly-report:2026-03-13";
const TEMPLATE = "service-a-request";
const REQUEST: StoredRequest = {
  status: {
    requestId: "0f8fad5b-d9cb-469f-a165-70867728950e",
    workflowTemplate: "nightly-report",
    priority: "normal",
    status: "accepted",
    submittedAt: "2026-03-14T02:00:00.000Z",
    updatedAt: "2026-03-14T02:00:00.000Z",
  },
  idempotencyKey: KEY,
};
const WORKFLOW_PATH = `/apis/argoproj.io/v1alpha1/namespaces/workflows/workflows/${workflowName(TEMPLATE, KEY)}`;

describe("ArgoStatusSource against a loopback Kubernetes API", () => {
  const api = new FakeKubernetesApi();
  let source: ArgoStatusSource;
  before(async () => {
    await api.start();
    source = new ArgoStatusSource({
      apiUrl: api.url,
      namespace: "workflows",
      workflowTemplate: TEMPLATE,
      credentials: serviceAccountCredentials(api.serviceAccountDir()),
    });
  });
  beforeEach(() => {
    api.answers.clear();
    api.requests.length = 0;
  });
  after(() => api.close());

  const cases: [string, string, string | undefined][] = [
    ["workflow-unreconciled", "accepted", undefined],
    ["workflow-pending", "accepted", undefined],
    ["workflow-running", "running", "2026-03-14T02:00:02.000Z"],
    ["workflow-succeeded", "succeeded", "2026-03-14T02:00:11.000Z"],
    ["workflow-failed", "failed", "2026-03-14T02:00:40.000Z"],
    ["workflow-error", "failed", "2026-03-14T02:00:03.000Z"],
  ];
  for (const [name, status, updatedAt] of cases) {
    it(`maps ${name}.json to ${status}${updatedAt ? ` at ${updatedAt}` : ""}`, async () => {
      api.answers.set(WORKFLOW_PATH, { status: 200, body: fixture(name) });
      assert.deepEqual(
        await source.status(REQUEST),
        updatedAt ? { status, updatedAt } : { status },
      );
      assert.deepEqual(api.requests, [{ path: WORKFLOW_PATH, authorization: "Bearer token-1" }]);
    });
  }

  it("reads the Workflow the sensor named from the idempotency key, in the configured namespace", () => {
    assert.equal(
      fixture("workflow-running").metadata?.name,
      workflowName(TEMPLATE, KEY),
      "the recorded Workflow carries the derived name",
    );
    assert.equal(source.workflowPath({ ...REQUEST, idempotencyKey: KEY }), WORKFLOW_PATH);
  });

  it("answers accepted while the sensor has not submitted the Workflow (404)", async () => {
    api.answers.set(WORKFLOW_PATH, { status: 404, body: fixture("status-not-found") });
    assert.deepEqual(await source.status(REQUEST), { status: "accepted" });
    assert.equal(api.requests.length, 1);
  });

  it("ignores a Workflow of an earlier request that used the same idempotency key", async () => {
    const earlier = fixture("workflow-succeeded");
    earlier.spec!.arguments!.parameters![0].value = "9b2e6c1a-0d3f-4e8b-a7c5-2f1d0e9c8b7a";
    api.answers.set(WORKFLOW_PATH, { status: 200, body: earlier });
    assert.deepEqual(await source.status(REQUEST), { status: "accepted" });
  });

  it("keeps the recorded status of a request stored without its idempotency key, asking nothing", async () => {
    const { idempotencyKey: _, ...legacy } = REQUEST;
    assert.deepEqual(await source.status(legacy), { status: "accepted" });
    assert.equal(api.requests.length, 0);
  });

  it("fails naming the answer when the API refuses (403: the Role is missing)", async () => {
    api.answers.set(WORKFLOW_PATH, { status: 403, body: fixture("status-forbidden") });
    await assert.rejects(
      source.status(REQUEST),
      /Kubernetes API answered 403 to GET \/apis\/argoproj\.io\/v1alpha1\/namespaces\/workflows\/workflows\/service-a-request-[0-9a-f]{40}: .*cannot get resource "workflows"/,
    );
  });

  it("fails on a phase it does not know, naming it", async () => {
    const odd = fixture("workflow-running");
    odd.status!.phase = "Paused";
    api.answers.set(WORKFLOW_PATH, { status: 200, body: odd });
    await assert.rejects(
      source.status(REQUEST),
      (e: unknown) => e instanceof UnknownEngineStatusError && /"Paused"/.test(e.message),
    );
  });

  it("verifies the API server's certificate against the mounted CA", async () => {
    const other = selfSignedCertificate("localhost");
    const dir = api.serviceAccountDir();
    fs.writeFileSync(path.join(dir, "ca.crt"), other.cert);
    const untrusting = new ArgoStatusSource({
      apiUrl: api.url,
      namespace: "workflows",
      workflowTemplate: TEMPLATE,
      credentials: serviceAccountCredentials(dir),
    });
    await assert.rejects(
      untrusting.status(REQUEST),
      /self[- ]signed|unable to verify|certificate/i,
    );
    assert.equal(api.requests.length, 0, "no request reached the server");
  });

  it("stops at the caller's signal", async () => {
    const controller = new AbortController();
    controller.abort(new Error("breaker timeout"));
    await assert.rejects(source.status(REQUEST, controller.signal), /abort|breaker timeout/i);
  });
});

describe("serviceAccountCredentials", () => {
  it("re-reads the rotated token once the refresh interval has passed, not before", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "service-a-sa-"));
    fs.writeFileSync(path.join(dir, "token"), "first\n");
    fs.writeFileSync(path.join(dir, "ca.crt"), "CA");
    let now = 0;
    const credentials = serviceAccountCredentials(dir, { refreshMs: 60_000, now: () => now });
    assert.deepEqual(await credentials(), { token: "first", ca: "CA" });
    fs.writeFileSync(path.join(dir, "token"), "second\n");
    now = 59_999;
    assert.equal((await credentials()).token, "first");
    now = 60_000;
    assert.equal((await credentials()).token, "second");
  });

  it("does not keep a failed read: the next call tries again", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "service-a-sa-"));
    const credentials = serviceAccountCredentials(dir, { now: () => 0 });
    await assert.rejects(credentials(), /ENOENT/);
    fs.writeFileSync(path.join(dir, "token"), "late\n");
    fs.writeFileSync(path.join(dir, "ca.crt"), "CA");
    assert.equal((await credentials()).token, "late");
  });
});

describe("kubernetesApiUrl", () => {
  it("builds the URL from the kubelet's variables, bracketing an IPv6 address", () => {
    assert.equal(kubernetesApiUrl("172.20.0.1", 443), "https://172.20.0.1:443");
    assert.equal(kubernetesApiUrl("fd00:10:96::1", 443), "https://[fd00:10:96::1]:443");
  });
});
