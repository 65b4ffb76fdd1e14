import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { isDnsLabel } from "../components/lib";
import { sensorSpec } from "../components/workflows/argoEvents";
import { WORKFLOW_NAME_HASH_LENGTH, workflowName, workflowNamePrefix } from "./workflowNames";

interface Trigger {
  template: {
    name: string;
    argoWorkflow: {
      parameters: { src: { dataTemplate?: string }; dest: string }[];
    };
  };
}

/**
 * Renders the one Go-template form the sensor names workflows with,
 * `<literal>{{ .Input.body.data.idempotencyKey | sha256sum | trunc N }}`, for a message whose
 * `data.idempotencyKey` is `key`, the way argo-events (sprig v3.3.0) does: `sha256sum` is the hex
 * SHA-256 of the string, `trunc N` its first N characters. Any other form fails the test, so a
 * change to the sensor's rule cannot pass unnoticed.
 */
function renderSensorName(dataTemplate: string, key: string): string {
  const match =
    /^([^{]*)\{\{ \.Input\.body\.data\.idempotencyKey \| sha256sum \| trunc (\d+) \}\}$/.exec(
      dataTemplate,
    );
  assert.ok(match, `the sensor's name template changed form: ${dataTemplate}`);
  const hash = createHash("sha256").update(key, "utf8").digest("hex");
  return `${match[1]}${hash.slice(0, Number(match[2]))}`;
}

describe("workflow names (shared by the sensor and Service A)", () => {
  it("is the template's prefix, a dash and the first 40 hex digits of the key's SHA-256", () => {
    assert.equal(
      workflowName("service-a-request", "report-2026-03-13"),
      `service-a-request-${createHash("sha256").update("report-2026-03-13").digest("hex").slice(0, 40)}`,
    );
    assert.equal(WORKFLOW_NAME_HASH_LENGTH, 40);
  });

  it("keeps every name a valid label value (63 characters at most, no trailing dash in the prefix)", () => {
    const name = workflowName("a-very-long-template-name-for-reports", "k");
    assert.equal(
      workflowNamePrefix("a-very-long-template-name-for-reports"),
      "a-very-long-template-n",
    );
    assert.ok(name.length <= 63, `${name} is ${name.length} characters`);
    assert.equal(workflowNamePrefix("abcdefghijklmnopqrstu-x"), "abcdefghijklmnopqrstu");
    assert.ok(isDnsLabel(name), `${name} is a DNS label, as a label value must be here`);
  });

  it("equals the name the sensor's work-queue trigger renders, for several keys and templates", () => {
    for (const template of ["service-a-request", "a-very-long-template-name-for-reports"]) {
      const spec = sensorSpec({
        name: "events-workflows",
        namespace: "workflows",
        eventBusName: "events",
        serviceAccountName: "events-sensor",
        workQueueEventSourceName: "events-work-queue",
        workflowTemplateName: template,
        highAvailability: false,
      }) as { spec: { triggers: Trigger[] } };
      const trigger = spec.spec.triggers.find((t) => t.template.name === "submit-from-work-queue");
      const nameParam = trigger?.template.argoWorkflow.parameters.find(
        (p) => p.dest === "metadata.name",
      );
      assert.ok(nameParam?.src.dataTemplate, "the work-queue trigger names the workflow");
      for (const key of ["report-2026-03-13", "nightly-report:2026-03-13", "k", "ÄÖ-unicode"]) {
        assert.equal(
          renderSensorName(nameParam.src.dataTemplate, key),
          workflowName(template, key),
        );
      }
    }
  });
});
