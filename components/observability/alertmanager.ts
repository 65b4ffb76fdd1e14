/**
 * The Alertmanager configuration as code: typed receivers and a pure renderer. Critical alerts
 * page, warnings go to chat, and a firing critical alert silences the same alert's warnings.
 * kube-prometheus-stack's always-firing `Watchdog` goes to the heartbeat SNS topic, whose
 * CloudWatch alarm pages when the heartbeat stops (a dead man's switch for the whole pipeline:
 * Prometheus, its rules, Alertmanager and its AWS credentials); `info` and `none` alerts are
 * dropped.
 * Secrets are never inlined: PagerDuty and Slack read them from the files the operator mounts
 * for each Secret listed in `alertmanagerSpec.secrets` (`alertmanagerCredentials`); SNS signs
 * with the pod's IAM role (SigV4), so it needs no secret at all.
 */
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { throwIfInvalid, ValidationError, DNS_SUBDOMAIN } from "../lib";

/** A key of a Kubernetes Secret in Alertmanager's namespace. */
export interface SecretKeyRef {
  name: string;
  key: string;
}

/** Where critical alerts go. */
export type PagerReceiver =
  | { type: "pagerduty"; routingKeySecret: SecretKeyRef }
  | { type: "sns"; topicArn: string; region: string };

/** Where warnings (and anything unlabelled) go. */
export interface ChatReceiver {
  type: "slack";
  webhookSecret: SecretKeyRef;
  /** Channel, with its `#`. */
  channel: string;
}

/** The receivers, from stack config. */
export interface AlertReceivers {
  pager: PagerReceiver;
  chat: ChatReceiver;
}

/** An SNS topic Alertmanager publishes to with its pod's IAM role. */
export interface SnsTopic {
  topicArn: string;
  region: string;
}

/** Receiver names in the rendered config; the routing tests assert them. */
export const RECEIVER_NAMES = {
  pager: "pager",
  chat: "chat",
  heartbeat: "heartbeat",
  /** No integrations: what is routed here is dropped. */
  discard: "discard",
} as const;

/** The kube-prometheus-stack alert (its default `general.rules`) that always fires. */
export const WATCHDOG_ALERT = "Watchdog";
/**
 * How often Alertmanager re-sends the firing Watchdog to the heartbeat topic. The heartbeat alarm
 * (alarms.ts) tolerates two missed beats.
 */
export const HEARTBEAT_REPEAT_MINUTES = 5;

/** Where the Prometheus operator mounts each Secret of `alertmanagerSpec.secrets`. */
export const SECRETS_DIR = "/etc/alertmanager/secrets";

/** The file path of one Secret key inside the Alertmanager pod. */
export function secretFile(ref: SecretKeyRef): string {
  return `${SECRETS_DIR}/${ref.name}/${ref.key}`;
}

/** One credential Alertmanager reads from a file: the Secret key it lives in and its value. */
export interface AlertmanagerCredential {
  /** The Secret (in Alertmanager's namespace) and key, as the receiver's `*_file` names it. */
  ref: SecretKeyRef;
  /** The credential; a secret output (stack config set with `--secret`). */
  value: pulumi.Input<string>;
}

/**
 * The credentials the receivers read, paired with their values: the Monitoring component creates
 * one Secret per name before Alertmanager starts (kube-prometheus-stack `alertmanagerSpec.secrets`
 * mounts each, and a missing one keeps the pods from starting).
 */
export function alertmanagerCredentials(
  receivers: AlertReceivers,
  values: { pagerdutyRoutingKey?: pulumi.Input<string>; slackWebhookUrl?: pulumi.Input<string> },
): AlertmanagerCredential[] {
  const missing = (receiver: string, key: string) =>
    new Error(
      `the ${receiver} receiver is configured but its credential was not given: set the stack's secret config ${key}`,
    );
  const credentials: AlertmanagerCredential[] = [];
  if (receivers.pager.type === "pagerduty") {
    if (values.pagerdutyRoutingKey === undefined) throw missing("PagerDuty", "pagerdutyRoutingKey");
    credentials.push({ ref: receivers.pager.routingKeySecret, value: values.pagerdutyRoutingKey });
  }
  if (values.slackWebhookUrl === undefined) throw missing("Slack", "slackWebhookUrl");
  credentials.push({ ref: receivers.chat.webhookSecret, value: values.slackWebhookUrl });
  return credentials;
}

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

function validateSnsTopic(path: string, topic: SnsTopic, errors: ValidationError[]): void {
  if (!SNS_TOPIC_ARN.test(topic.topicArn))
    errors.push({
      propertyPath: `${path}.topicArn`,
      reason: `"${topic.topicArn}" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)`,
    });
  if (!topic.topicArn.includes(`:sns:${topic.region}:`))
    errors.push({ propertyPath: `${path}.region`, reason: `must be the topic's region` });
}

/** Checks the receivers; returns every problem found. */
export function validateAlertReceivers(
  receivers: AlertReceivers,
  heartbeat?: SnsTopic,
): ValidationError[] {
  const errors: ValidationError[] = [];
  const ref = (p: string, r: SecretKeyRef) => {
    if (!DNS_SUBDOMAIN.test(r.name))
      errors.push({ propertyPath: `${p}.name`, reason: `"${r.name}" is not a Secret name` });
    if (!SECRET_KEY.test(r.key))
      errors.push({ propertyPath: `${p}.key`, reason: `"${r.key}" is not a Secret key` });
  };
  const { pager, chat } = receivers;
  if (pager.type === "pagerduty") ref("pager.routingKeySecret", pager.routingKeySecret);
  else validateSnsTopic("pager", pager, errors);
  if (heartbeat) validateSnsTopic("heartbeat", heartbeat, errors);
  ref("chat.webhookSecret", chat.webhookSecret);
  if (!/^#[a-z0-9][-_a-z0-9]{0,79}$/.test(chat.channel))
    errors.push({ propertyPath: "chat.channel", reason: `"${chat.channel}" is not a #channel` });
  return errors;
}

function pagerReceiver(pager: PagerReceiver): Record<string, unknown> {
  if (pager.type === "pagerduty") {
    return {
      name: RECEIVER_NAMES.pager,
      pagerduty_configs: [
        { routing_key_file: secretFile(pager.routingKeySecret), send_resolved: true },
      ],
    };
  }
  return {
    name: RECEIVER_NAMES.pager,
    sns_configs: [
      {
        topic_arn: pager.topicArn,
        // No keys: SigV4 with the pod's IAM role (Pod Identity / IRSA).
        sigv4: { region: pager.region },
        subject: "{{ .CommonLabels.alertname }} ({{ .Status }})",
        send_resolved: true,
      },
    ],
  };
}

/**
 * Renders Alertmanager's configuration (alertmanager.yaml) as an object. Pure. Without a
 * `heartbeat` topic the Watchdog is dropped (it must never reach chat every few hours).
 */
export function renderAlertmanagerConfig(
  receivers: AlertReceivers,
  heartbeat?: SnsTopic,
): Record<string, unknown> {
  throwIfInvalid("renderAlertmanagerConfig", validateAlertReceivers(receivers, heartbeat));
  const heartbeatReceivers = heartbeat
    ? [
        {
          name: RECEIVER_NAMES.heartbeat,
          sns_configs: [
            {
              topic_arn: heartbeat.topicArn,
              sigv4: { region: heartbeat.region },
              subject: "Alertmanager heartbeat",
              // A resolved Watchdog means the pipeline is going down; the alarm notices the
              // silence, a "resolved" message would only look like a beat.
              send_resolved: false,
            },
          ],
        },
      ]
    : [];
  return {
    route: {
      receiver: RECEIVER_NAMES.chat,
      group_by: ["alertname", "namespace"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
      routes: [
        {
          receiver: heartbeat ? RECEIVER_NAMES.heartbeat : RECEIVER_NAMES.discard,
          matchers: [`alertname="${WATCHDOG_ALERT}"`],
          group_wait: "0s",
          group_interval: "1m",
          repeat_interval: `${HEARTBEAT_REPEAT_MINUTES}m`,
        },
        // kube-prometheus-stack's informational alerts (and its InfoInhibitor) page nobody.
        { receiver: RECEIVER_NAMES.discard, matchers: ['severity=~"info|none"'] },
        {
          receiver: RECEIVER_NAMES.pager,
          matchers: ['severity="critical"'],
          repeat_interval: "1h",
        },
        { receiver: RECEIVER_NAMES.chat, matchers: ['severity="warning"'] },
      ],
    },
    inhibit_rules: [
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: ["alertname", "namespace"],
      },
    ],
    receivers: [
      pagerReceiver(receivers.pager),
      {
        name: RECEIVER_NAMES.chat,
        slack_configs: [
          {
            api_url_file: secretFile(receivers.chat.webhookSecret),
            channel: receivers.chat.channel,
            send_resolved: true,
            title: "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}",
            text: "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.runbook_url }}\n{{ end }}",
          },
        ],
      },
      ...heartbeatReceivers,
      { name: RECEIVER_NAMES.discard },
    ],
  };
}

/** The configuration as YAML text, for the Alertmanager config Secret. */
export function alertmanagerConfigYaml(receivers: AlertReceivers, heartbeat?: SnsTopic): string {
  return stringify(renderAlertmanagerConfig(receivers, heartbeat), { lineWidth: 0 });
}

/**
 * The ARNs of the SNS topics Alertmanager publishes to: the pager's (when SNS) and the heartbeat.
 * Generic so the heartbeat's ARN may be a Pulumi Output.
 */
export function alertmanagerSnsTopicArns<T>(
  receivers: AlertReceivers,
  heartbeatTopicArn?: T,
): Array<string | T> {
  const pager = receivers.pager.type === "sns" ? [receivers.pager.topicArn] : [];
  return heartbeatTopicArn === undefined ? pager : [...pager, heartbeatTopicArn];
}
