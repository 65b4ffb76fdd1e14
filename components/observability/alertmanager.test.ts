import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import { runTool } from "../../tools/checks/promtool";
import {
  type AlertReceivers,
  alertmanagerConfigYaml,
  alertmanagerSecretNames,
  renderAlertmanagerConfig,
} from "./alertmanager";

const PAGERDUTY: AlertReceivers = {
  pager: { type: "pagerduty", routingKeySecret: { name: "pagerduty", key: "routing-key" } },
  chat: { type: "slack", webhookSecret: { name: "slack", key: "webhook-url" }, channel: "#alerts" },
};
const SNS: AlertReceivers = {
  ...PAGERDUTY,
  pager: {
    type: "sns",
    topicArn: "arn:aws:sns:eu-west-1:111122223333:pager",
    region: "eu-west-1",
  },
};

describe("alertmanager config", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "alertmanager-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };
  const route = (file: string, ...labels: string[]) => {
    const r = runTool("amtool", ["config", "routes", "test", `--config.file=${file}`, ...labels]);
    return { code: r.code, receiver: r.stdout.trim() };
  };

  for (const [label, receivers] of [
    ["PagerDuty", PAGERDUTY],
    ["SNS", SNS],
  ] as const) {
    it(`passes amtool check-config with a ${label} pager`, () => {
      const file = write(`${label}.yaml`, alertmanagerConfigYaml(receivers));
      const r = runTool("amtool", ["check-config", file]);
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, /SUCCESS/);
      assert.match(r.output, /2 receivers/);
      assert.match(r.output, /1 inhibit rules/);
    });

    it(`routes critical to the pager and warning to chat (${label}, amtool routes test)`, () => {
      const file = write(`${label}-routes.yaml`, alertmanagerConfigYaml(receivers));
      assert.deepEqual(route(file, "severity=critical", "alertname=X"), {
        code: 0,
        receiver: "pager",
      });
      assert.deepEqual(route(file, "severity=warning", "alertname=X"), {
        code: 0,
        receiver: "chat",
      });
      assert.deepEqual(route(file, "alertname=X"), { code: 0, receiver: "chat" });
      // --verify-receivers makes amtool fail when the route differs from the expectation.
      const wrong = runTool("amtool", [
        "config",
        "routes",
        "test",
        `--config.file=${file}`,
        "--verify.receivers=chat",
        "severity=critical",
      ]);
      assert.notEqual(wrong.code, 0, wrong.output);
    });
  }

  it("references secrets by mounted file, never inline", () => {
    const text = alertmanagerConfigYaml(PAGERDUTY);
    assert.match(text, /routing_key_file: \/etc\/alertmanager\/secrets\/pagerduty\/routing-key/);
    assert.match(text, /api_url_file: \/etc\/alertmanager\/secrets\/slack\/webhook-url/);
    assert.doesNotMatch(text, /routing_key:|api_url:|service_key:/);
    assert.deepEqual(alertmanagerSecretNames(PAGERDUTY), ["pagerduty", "slack"]);
    assert.deepEqual(alertmanagerSecretNames(SNS), ["slack"]);
    const sns = renderAlertmanagerConfig(SNS).receivers as Array<Record<string, unknown>>;
    assert.deepEqual((sns[0].sns_configs as Array<Record<string, unknown>>)[0].sigv4, {
      region: "eu-west-1",
    });
  });

  it("inhibits a warning while the same critical alert fires", () => {
    assert.deepEqual(renderAlertmanagerConfig(PAGERDUTY).inhibit_rules, [
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: ["alertname", "namespace"],
      },
    ]);
  });

  it("fails amtool check-config when a route names an undefined receiver", () => {
    const config = renderAlertmanagerConfig(PAGERDUTY);
    const routeCfg = config.route as { routes: Array<{ receiver: string }> };
    routeCfg.routes[0].receiver = "oncall-typo";
    const file = write("invalid.yaml", stringify(config));
    const r = runTool("amtool", ["check-config", file]);
    assert.notEqual(r.code, 0);
    assert.match(r.output, /undefined receiver "oncall-typo"/);
  });

  it("fails amtool check-config on a receiver of an unknown type", () => {
    const config = renderAlertmanagerConfig(PAGERDUTY);
    (config.receivers as Array<Record<string, unknown>>)[1] = {
      name: "chat",
      slack_configs: [{ api_url_file: "/x", not_a_field: true }],
    };
    const r = runTool("amtool", ["check-config", write("unknown.yaml", stringify(config))]);
    assert.notEqual(r.code, 0);
    assert.match(r.output, /not_a_field/);
  });

  it("rejects invalid receivers before rendering, naming each field", () => {
    assert.throws(
      () =>
        renderAlertmanagerConfig({
          pager: { type: "sns", topicArn: "arn:aws:sns:us-east-1:1:x", region: "eu-west-1" },
          chat: { ...PAGERDUTY.chat, channel: "alerts" },
        }),
      /pager\.topicArn[\s\S]*pager\.region[\s\S]*chat\.channel/,
    );
  });
});
