import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { loadStackConfig, secretPlaceholder, StackFileError } from "./stackFile";

function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackfile-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe("stack file loading", () => {
  it("namespaces keys, JSON-encodes structured values and marks secure values secret", () => {
    const dir = project({
      "Pulumi.yaml": "name: demo\nruntime: nodejs\nconfig:\n  retention:\n    default: 30\n",
      "Pulumi.dev.yaml": [
        "config:",
        "  aws:region: eu-west-1",
        "  size: 3",
        "  enabled: false",
        "  token:",
        "    secure: AAABAxyz==",
        "  alerting:",
        "    slack:",
        "      webhook:",
        "        secure: AAABAabc==",
        "    channel: ops",
      ].join("\n"),
    });
    const loaded = loadStackConfig(dir, "dev");
    assert.equal(loaded.project, "demo");
    assert.deepEqual(loaded.config, {
      "demo:retention": "30",
      "aws:region": "eu-west-1",
      "demo:size": "3",
      "demo:enabled": "false",
      "demo:token": secretPlaceholder("demo:token"),
      "demo:alerting": JSON.stringify({
        slack: { webhook: secretPlaceholder("demo:alerting.slack.webhook") },
        channel: "ops",
      }),
    });
    assert.deepEqual(loaded.secretKeys.sort(), ["demo:alerting", "demo:token"]);
    assert.ok(!JSON.stringify(loaded).includes("AAABA"), "ciphertext never reaches the program");
  });

  it("lets --config replace the stack file and reports a missing one", () => {
    const dir = project({ "Pulumi.yaml": "name: demo\n", "other.yaml": "config:\n  demo:x: y\n" });
    assert.deepEqual(loadStackConfig(dir, "dev", path.join(dir, "other.yaml")).config, {
      "demo:x": "y",
    });
    assert.throws(() => loadStackConfig(dir, "dev"), StackFileError);
  });
  it("plans this project's credentials the stack file does not hold with secret placeholders", () => {
    const dir = project({
      "Pulumi.yaml": "name: acme-platform\nruntime: nodejs\n",
      "Pulumi.dev.yaml": ["config:", "  slackWebhookUrl:", "    secure: AAABAxyz=="].join("\n"),
    });
    const loaded = loadStackConfig(dir, "dev");
    assert.deepEqual(loaded.placeholders, ["acme-platform:pagerdutyRoutingKey"]);
    assert.deepEqual(loaded.config, {
      "acme-platform:slackWebhookUrl": secretPlaceholder("acme-platform:slackWebhookUrl"),
      "acme-platform:pagerdutyRoutingKey": secretPlaceholder("acme-platform:pagerdutyRoutingKey"),
    });
    assert.deepEqual(loaded.secretKeys.sort(), [
      "acme-platform:pagerdutyRoutingKey",
      "acme-platform:slackWebhookUrl",
    ]);
  });
});
