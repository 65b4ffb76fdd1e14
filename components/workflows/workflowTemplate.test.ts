import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { validateCustomResource } from "../../tools/checks/crdSchemas";
import { validateManifest } from "../../tools/checks/manifests";
import type { Capture } from "../../tools/mocks";
import { mockPlatform, ofType, valueOf } from "../../tools/testing";
import { referenceWorkflow, validateImage, WORKFLOW_PARAMETERS } from "./definition";
import { compileArgo } from "./engines/argo";
import {
  ARGO_TARGET,
  IMAGE,
  OTLP,
  reference,
  referenceArgs,
  TASK_QUEUE_URL,
} from "./engines/fixtures";
import { MeshMode } from "./engines/kubernetes";
import { RequestWorkflowTemplate, validateWorkflowTemplateManifest } from "./workflowTemplate";

/**
 * What `compileArgo` makes of the reference workflow (fixtures.ts): the template index.ts deploys,
 * with the settings of the hand-built template it replaced, entered through a DAG.
 */
const EXPECTED = {
  apiVersion: "argoproj.io/v1alpha1",
  kind: "WorkflowTemplate",
  metadata: {
    name: "service-a-request",
    namespace: "workflows",
    labels: { "app.kubernetes.io/managed-by": "pulumi" },
  },
  spec: {
    entrypoint: "dag",
    arguments: {
      parameters: [
        { name: "requestId" },
        { name: "workflowTemplate", value: "service-a-request" },
        { name: "parameters", value: "{}" },
        { name: "traceparent", value: "" },
      ],
    },
    serviceAccountName: "argo-workflow",
    activeDeadlineSeconds: 3600,
    archiveLogs: true,
    podGC: { strategy: "OnPodSuccess" },
    ttlStrategy: { secondsAfterSuccess: 3600, secondsAfterFailure: 604800 },
    workflowMetadata: { labels: { "acme.io/workflow-template": "service-a-request" } },
    podMetadata: { annotations: { "config.linkerd.io/proxy-enable-native-sidecar": "true" } },
    securityContext: {
      runAsNonRoot: true,
      // The worker image's user (services/worker/Dockerfile: USER 1000:1000).
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    },
    templates: [
      { name: "dag", dag: { tasks: [{ name: "main", template: "main" }] } },
      {
        name: "main",
        activeDeadlineSeconds: 3600,
        retryStrategy: {
          limit: 3,
          retryPolicy: "Always",
          // `cap` is the longest wait between attempts (the hand-built template's `maxDuration`
          // bounded the time since the first attempt, which Step Functions cannot express).
          backoff: { duration: "30s", factor: 2, cap: "10m" },
        },
        container: {
          image: IMAGE,
          command: ["node", "--enable-source-maps", "dist/handoff.js"],
          args: [
            "--request-id",
            "{{workflow.parameters.requestId}}",
            "--workflow-template",
            "{{workflow.parameters.workflowTemplate}}",
            "--parameters",
            "{{workflow.parameters.parameters}}",
            "--traceparent",
            "{{workflow.parameters.traceparent}}",
            "--task",
            "main",
          ],
          env: [
            { name: "TASK_QUEUE_URL", value: TASK_QUEUE_URL },
            { name: "AWS_REGION", value: "eu-west-1" },
            { name: "OTEL_SERVICE_NAME", value: "worker-handoff" },
            { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: OTLP },
            { name: "OTEL_EXPORTER_OTLP_PROTOCOL", value: "grpc" },
          ],
          resources: {
            requests: { cpu: "250m", memory: "512Mi" },
            limits: { memory: "512Mi" },
          },
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"] },
          },
        },
      },
    ],
  },
};

type Json = Record<string, unknown>;
const clone = <T>(value: T): T => structuredClone(value);

describe("the compiled request WorkflowTemplate", () => {
  const rendered = compileArgo(reference(), ARGO_TARGET);

  it("renders the exact template: bounded, retried, non-root, archived, collected", () => {
    assert.deepEqual(rendered, EXPECTED);
    assert.deepEqual(
      EXPECTED.spec.arguments.parameters.map((p) => p.name),
      [...WORKFLOW_PARAMETERS],
      "the arguments the sensor passes",
    );
  });

  it("validates against the argoproj.io WorkflowTemplate v1alpha1 CRD schema", () => {
    assert.deepEqual(validateCustomResource(rendered), []);
    assert.deepEqual(validateManifest(rendered), []);
  });

  it("fails schema validation when activeDeadlineSeconds is not an integer, naming the field", () => {
    const wrong = clone(rendered) as { spec: Json };
    wrong.spec.activeDeadlineSeconds = "soon";
    assert.deepEqual(validateCustomResource(wrong), [
      {
        object: "argoproj.io/v1alpha1/WorkflowTemplate workflows/service-a-request",
        path: "spec.activeDeadlineSeconds",
        message: "must be integer",
      },
    ]);
  });

  it("fails schema validation when container args is a string, naming the field", () => {
    const wrong = clone(rendered) as { spec: { templates: Array<{ container: Json }> } };
    wrong.spec.templates[1].container.args = "x";
    assert.deepEqual(validateCustomResource(wrong), [
      {
        object: "argoproj.io/v1alpha1/WorkflowTemplate workflows/service-a-request",
        path: "spec.templates.1.container.args",
        message: "must be array",
      },
    ]);
  });

  it("fails schema validation on a misspelt field (strict field validation)", () => {
    const wrong = clone(rendered) as { spec: Json };
    wrong.spec.ttlStrategy = { secondsAfterSucess: 60 };
    assert.deepEqual(
      validateCustomResource(wrong).map((e) => [e.path, e.message]),
      [["spec.ttlStrategy", 'unknown field "secondsAfterSucess"']],
    );
  });

  it("takes the pods out of the mesh when asked, and the result still validates", () => {
    const out = compileArgo(reference(), { ...ARGO_TARGET, mesh: MeshMode.Disabled }) as {
      spec: Json;
    };
    assert.deepEqual(out.spec.podMetadata, {
      annotations: { "linkerd.io/inject": "disabled" },
    });
    assert.deepEqual(validateCustomResource(out), []);
  });

  it("runs as the worker image's user: the Dockerfile's USER is the template's runAsUser", () => {
    const dockerfile = fs.readFileSync(
      path.join(__dirname, "..", "..", "services", "worker", "Dockerfile"),
      "utf8",
    );
    const user = /^USER (\d+):(\d+)$/m.exec(dockerfile);
    assert.ok(user, "services/worker/Dockerfile has a numeric USER uid:gid");
    const pod = (rendered as { spec: { securityContext: Json } }).spec.securityContext;
    assert.equal(pod.runAsUser, Number(user[1]));
    assert.equal(pod.runAsGroup, Number(user[2]));
  });

  it("checks an image that is a plain string at once, and leaves an Output to resolve", () => {
    assert.deepEqual(validateImage(IMAGE), []);
    assert.deepEqual(
      validateImage("worker:latest").map((e) => e.propertyPath),
      ["image"],
    );
    const unresolved = compileArgo(
      referenceWorkflow(referenceArgs({ image: pulumi.output("worker:latest") })),
      ARGO_TARGET,
    );
    assert.deepEqual(
      validateWorkflowTemplateManifest(unresolved),
      [],
      "an Output is checked when it resolves (RequestWorkflowTemplate)",
    );
  });

  it("reports every problem of a manifest by its path", () => {
    assert.deepEqual(validateWorkflowTemplateManifest(rendered), []);
    const bad = clone(rendered) as Json & { metadata: Json; spec: { templates: Json[] } };
    bad.apiVersion = "argoproj.io/v1beta1";
    bad.metadata.name = "Service_A";
    bad.metadata.namespace = "Workflows";
    (bad.spec.templates[1].container as Json).image =
      "registry.example.com/service-a/workflow-step:latest";
    assert.deepEqual(
      validateWorkflowTemplateManifest(bad).map((e) => e.propertyPath),
      [
        "manifest.kind",
        "manifest.metadata.name",
        "manifest.metadata.namespace",
        "manifest.spec.templates[1].container.image",
      ],
    );
    assert.deepEqual(
      validateWorkflowTemplateManifest({}).map((e) => e.propertyPath),
      [
        "manifest.kind",
        "manifest.metadata.name",
        "manifest.metadata.namespace",
        "manifest.spec.templates",
      ],
    );
  });
});

describe("RequestWorkflowTemplate", () => {
  let capture: Capture;
  let provider: k8s.Provider;
  let urn: string;
  // What index.ts registers: the reference workflow compiled by compileArgo.
  const compiled = compileArgo(reference(), ARGO_TARGET);

  before(async () => {
    capture = await mockPlatform();
    provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    const component = new RequestWorkflowTemplate("service-a-request", {
      provider,
      manifest: compiled,
    });
    await capture.settle();
    urn = await valueOf(component.urn);
  });

  it("creates the one compiled WorkflowTemplate through the given provider", () => {
    const [template, ...others] = ofType(
      capture,
      "kubernetes:argoproj.io/v1alpha1:WorkflowTemplate",
      urn,
    );
    assert.equal(others.length, 0);
    assert.equal(template.name, "service-a-request");
    assert.deepEqual(template.inputs, compiled);
    assert.equal(
      (template.inputs as { metadata: Json }).metadata.name,
      "service-a-request",
      "the name the sensor and Service A's requests use",
    );
    const [k8sProvider] = ofType(capture, "pulumi:providers:kubernetes");
    assert.equal(template.provider, `${k8sProvider.urn}::${k8sProvider.id}`);
    assert.deepEqual(validateManifest(template.inputs), []);
    assert.deepEqual(validateCustomResource(template.inputs), []);
  });

  it("rejects a manifest that is not a compiled WorkflowTemplate with every problem named and registers nothing", async () => {
    const before = capture.resources.size;
    const bad = clone(compiled) as Json & { metadata: Json; spec: { templates: Json[] } };
    bad.kind = "Workflow";
    bad.metadata.name = "Bad_Name";
    (bad.spec.templates[1].container as Json).image = "busybox";
    assert.throws(
      () => new RequestWorkflowTemplate("bad", { provider, manifest: bad }),
      (e: Error) =>
        pulumi.InputPropertiesError.isInstance(e) &&
        /RequestWorkflowTemplate: 3 invalid arguments/.test(e.message) &&
        /- manifest\.kind: must be an argoproj\.io\/v1alpha1 WorkflowTemplate/.test(e.message) &&
        /- manifest\.metadata\.name: "Bad_Name"/.test(e.message) &&
        /- manifest\.spec\.templates\[1\]\.container\.image: "busybox" must be pinned by digest/.test(
          e.message,
        ),
    );
    await capture.settle();
    assert.equal(capture.resources.size, before);
  });
});
