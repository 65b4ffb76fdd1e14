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
  alertmanagerCredentials,
  alertmanagerSnsTopicArns,
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

const HEARTBEAT = {
  topicArn: "arn:aws:sns:eu-west-1:111122223333:heartbeat-1a2b3c4",
  region: "eu-west-1",
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
    it(`passes amtool check-config with a ${label} pager, with and without a heartbeat`, () => {
      for (const [heartbeat, count] of [
        [HEARTBEAT, 4],
        [undefined, 3],
      ] as const) {
        const file = write(`${label}-${count}.yaml`, alertmanagerConfigYaml(receivers, heartbeat));
        const r = runTool("amtool", ["check-config", file]);
        assert.equal(r.code, 0, r.output);
        assert.match(r.output, /SUCCESS/);
        assert.match(r.output, new RegExp(`${count} receivers`));
        assert.match(r.output, /1 inhibit rules/);
      }
    });

    it(`routes critical to the pager and warning to chat (${label}, amtool routes test)`, () => {
      const file = write(`${label}-routes.yaml`, alertmanagerConfigYaml(receivers, HEARTBEAT));
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

  it("sends the Watchdog to the heartbeat topic and drops info alerts (amtool routes test)", () => {
    const file = write("heartbeat.yaml", alertmanagerConfigYaml(PAGERDUTY, HEARTBEAT));
    assert.deepEqual(route(file, "alertname=Watchdog", "severity=none"), {
      code: 0,
      receiver: "heartbeat",
    });
    assert.deepEqual(route(file, "alertname=InfoInhibitor", "severity=none"), {
      code: 0,
      receiver: "discard",
    });
    assert.deepEqual(route(file, "alertname=CPUThrottlingHigh", "severity=info"), {
      code: 0,
      receiver: "discard",
    });
    // Without a heartbeat topic the Watchdog is dropped, never sent to chat.
    const without = write("no-heartbeat.yaml", alertmanagerConfigYaml(PAGERDUTY));
    assert.deepEqual(route(without, "alertname=Watchdog", "severity=none"), {
      code: 0,
      receiver: "discard",
    });
    const config = renderAlertmanagerConfig(PAGERDUTY, HEARTBEAT);
    const receivers = config.receivers as Array<{ name: string; sns_configs?: unknown[] }>;
    assert.deepEqual(receivers.find((r) => r.name === "heartbeat")?.sns_configs, [
      {
        topic_arn: HEARTBEAT.topicArn,
        sigv4: { region: "eu-west-1" },
        subject: "Alertmanager heartbeat",
        send_resolved: false,
      },
    ]);
    // Re-sent every 5 minutes; the CloudWatch alarm tolerates two missed beats.
    const routes = (config.route as { routes: Array<Record<string, unknown>> }).routes;
    assert.deepEqual(routes[0], {
      receiver: "heartbeat",
      matchers: ['alertname="Watchdog"'],
      group_wait: "0s",
      group_interval: "1m",
      repeat_interval: "5m",
    });
    assert.deepEqual(alertmanagerSnsTopicArns(PAGERDUTY, HEARTBEAT.topicArn), [HEARTBEAT.topicArn]);
    assert.deepEqual(alertmanagerSnsTopicArns(SNS, HEARTBEAT.topicArn), [
      "arn:aws:sns:eu-west-1:111122223333:pager",
      HEARTBEAT.topicArn,
    ]);
    assert.deepEqual(alertmanagerSnsTopicArns(PAGERDUTY), []);
  });

  it("references secrets by mounted file, never inline", () => {
    const text = alertmanagerConfigYaml(PAGERDUTY);
    assert.match(text, /routing_key_file: \/etc\/alertmanager\/secrets\/pagerduty\/routing-key/);
    assert.match(text, /api_url_file: \/etc\/alertmanager\/secrets\/slack\/webhook-url/);
    assert.doesNotMatch(text, /routing_key:|api_url:|service_key:/);
    const values = { pagerdutyRoutingKey: "pd-key", slackWebhookUrl: "slack-url" };
    assert.deepEqual(alertmanagerCredentials(PAGERDUTY, values), [
      { ref: { name: "pagerduty", key: "routing-key" }, value: "pd-key" },
      { ref: { name: "slack", key: "webhook-url" }, value: "slack-url" },
    ]);
    // An SNS pager signs with the pod's role: no PagerDuty credential, even when one is given.
    assert.deepEqual(alertmanagerCredentials(SNS, values), [
      { ref: { name: "slack", key: "webhook-url" }, value: "slack-url" },
    ]);
    assert.throws(
      () => alertmanagerCredentials(PAGERDUTY, { slackWebhookUrl: "slack-url" }),
      /the PagerDuty receiver is configured but its credential was not given: set the stack's secret config pagerdutyRoutingKey/,
    );
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
    routeCfg.routes[2].receiver = "oncall-typo";
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
    assert.throws(
      () => renderAlertmanagerConfig(PAGERDUTY, { ...HEARTBEAT, region: "us-east-1" }),
      /heartbeat\.region: must be the topic's region/,
    );
  });
});
