/**
 * A microservice's observability as plain objects, for the Microservice to create: the
 * ServiceMonitor that scrapes the kit's `/metrics`, a PrometheusRule with multi-window,
 * multi-burn-rate SLO alerts and circuit-breaker alerts, and a Grafana dashboard ConfigMap.
 *
 * Burn-rate alerts follow the Google SRE workbook ("Alerting on SLOs", table 5-8): a page when
 * 2% of a 30-day error budget goes in an hour (14.4x over 1h, confirmed over 5m) or 5% in six
 * hours (6x over 6h and 30m); a ticket when 10% goes in a day (3x over 1d and 2h) or three days
 * (1x over 3d and 6h). Each pair needs both windows: the long one proves the burn is significant,
 * the short one that it is still happening, so a short spike does not page and a page clears soon
 * after the burn stops. The windows are data ({@link SLO_BURN_WINDOWS}); the objectives are
 * per service ({@link ServiceSlo}).
 *
 * Series carry the target labels prometheus-operator adds from the ServiceMonitor: `namespace`,
 * and `service`, the Kubernetes Service's name (the kit's own `service` label becomes
 * `exported_service`; the Microservice names its Service after the service, so both agree).
 */
import { createHash } from "node:crypto";
import {
  DNS_LABEL,
  DNS_LABEL_FORM,
  PROM_DURATION,
  throwIfInvalid,
  type ValidationError,
} from "../lib";
import {
  type AlertRule,
  type Duration,
  regexProblem,
  type RuleGroup,
  RUNBOOK_BASE_URL,
  type Severity,
} from "../observability/alertRules";
import { DATASOURCE_UIDS } from "../observability/grafana";
import {
  HTTP_DURATION_BUCKETS_SECONDS,
  MESSAGE_OUTCOMES,
  METRIC_NAMES,
} from "../../services/kit/src/conventions";
import { METRICS_PATH } from "./meshPolicy";

/** The kit's metric names (one module, no runtime dependencies), as the rules query them. */
export const KIT_METRICS = METRIC_NAMES;
/** The kit's HTTP duration buckets; a latency threshold must be one of them. */
export const KIT_HTTP_BUCKETS_SECONDS = HTTP_DURATION_BUCKETS_SECONDS;
/** The `outcome` of a message the consumer failed to process. */
export const FAILED_OUTCOME = MESSAGE_OUTCOMES.failed;

/** One pair of windows: the burn rate must exceed `factor` over both. */
export interface BurnWindowPair {
  long: Duration;
  short: Duration;
  /** Multiple of the budget rate: 1 spends the whole budget in the SLO period. */
  factor: number;
}

/** How urgently a burn is reported, and the window pairs that detect it (any pair suffices). */
export interface BurnAlertClass {
  /** Alert name suffix: "" for the page, "Ticket" for the ticket. */
  suffix: "" | "Ticket";
  severity: Severity;
  pairs: BurnWindowPair[];
  /** `for:` of the alert. */
  for: Duration;
}

/** The workbook's page and ticket windows over a 30-day period. */
export const SLO_BURN_WINDOWS: readonly BurnAlertClass[] = [
  {
    suffix: "",
    severity: "critical",
    pairs: [
      { long: "1h", short: "5m", factor: 14.4 },
      { long: "6h", short: "30m", factor: 6 },
    ],
    for: "2m",
  },
  {
    suffix: "Ticket",
    severity: "warning",
    pairs: [
      { long: "1d", short: "2h", factor: 3 },
      { long: "3d", short: "6h", factor: 1 },
    ],
    for: "15m",
  },
];

/** A service's objectives. */
export interface ServiceSlo {
  /** Share of HTTP requests that must not answer 5xx, in (0, 1), e.g. 0.999. */
  availabilityTarget: number;
  /** The latency bound in seconds; one of {@link KIT_HTTP_BUCKETS_SECONDS}, e.g. 0.5. */
  latencyThresholdSeconds: number;
  /** Share of HTTP requests that must finish within the bound, in (0, 1), e.g. 0.99. */
  latencyTarget: number;
  /**
   * Share of consumed messages that must not fail, in (0, 1); set for message consumers only.
   * @default unset (no message alerts)
   */
  messageSuccessTarget?: number;
  /**
   * How long a circuit breaker may stay open before it alerts.
   * @default "5m"
   */
  breakerOpenFor?: Duration;
}

/** What a service's observability is built from. */
export interface ServiceObservabilityArgs {
  /** The service's name: its Kubernetes Service's name (the `service` target label). */
  name: string;
  /** The service's namespace; the ServiceMonitor, rule and dashboard go there too. */
  namespace: string;
  /** The Service's port name that serves `/metrics` (the ServiceMonitor scrapes it by name). */
  portName: string;
  /** Labels of the Service (the ServiceMonitor's selector); not empty. */
  serviceSelector: Record<string, string>;
  slo: ServiceSlo;
  /**
   * What the service consumes, for the dashboard's queue panels: regexes of SQS queue names
   * (`dimension_QueueName`) and Kafka consumer groups.
   * @default none
   */
  consumes?: { queueNamePatterns?: string[]; consumerGroups?: string[] };
  /** Base of `runbook_url`. @default RUNBOOK_BASE_URL */
  runbookBaseUrl?: string;
}

/** The rendered objects. */
export interface ServiceObservability {
  serviceMonitor: Record<string, unknown>;
  prometheusRule: Record<string, unknown>;
  /** The rule group alone (promtool's rule-file format). */
  ruleGroup: RuleGroup;
  dashboard: Record<string, unknown>;
  /** The ConfigMap Grafana's sidecar loads (label `grafana_dashboard: "1"`, any namespace). */
  dashboardConfigMap: Record<string, unknown>;
}

const SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;
const seconds = (d: string) =>
  Number(d.slice(0, -1)) * SECONDS[d.slice(-1) as keyof typeof SECONDS];

/** Validates {@link ServiceObservabilityArgs} and a window table; returns every problem. */
export function validateServiceObservabilityArgs(
  args: ServiceObservabilityArgs,
  windows: readonly BurnAlertClass[] = SLO_BURN_WINDOWS,
): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });
  for (const key of ["name", "namespace", "portName"] as const) {
    if (!DNS_LABEL.test(args[key])) add(key, `"${args[key]}" must be ${DNS_LABEL_FORM}`);
  }
  if (Object.keys(args.serviceSelector).length === 0) {
    add("serviceSelector", "is empty and would scrape every Service of the namespace");
  }
  const s = args.slo;
  const ratio = (key: keyof ServiceSlo, value: number | undefined) => {
    if (value === undefined) return;
    if (!(typeof value === "number" && value > 0 && value < 1)) {
      add(`slo.${key}`, `must be a share in (0, 1) such as 0.999, got ${String(value)}`);
    }
  };
  ratio("availabilityTarget", s.availabilityTarget);
  ratio("latencyTarget", s.latencyTarget);
  ratio("messageSuccessTarget", s.messageSuccessTarget);
  if (!KIT_HTTP_BUCKETS_SECONDS.includes(s.latencyThresholdSeconds)) {
    add(
      "slo.latencyThresholdSeconds",
      `${s.latencyThresholdSeconds} is not a bucket of ${KIT_METRICS.httpRequestDuration}; use one of ${KIT_HTTP_BUCKETS_SECONDS.join(", ")}`,
    );
  }
  if (s.breakerOpenFor !== undefined && !PROM_DURATION.test(s.breakerOpenFor)) {
    add("slo.breakerOpenFor", `must be a duration such as 5m, got ${s.breakerOpenFor}`);
  }
  for (const [i, pattern] of (args.consumes?.queueNamePatterns ?? []).entries()) {
    const problem = regexProblem(pattern);
    if (problem) add(`consumes.queueNamePatterns[${i}]`, problem);
  }
  windows.forEach((w, i) => {
    if (!PROM_DURATION.test(w.for)) add(`windows[${i}].for`, `must be a duration, got ${w.for}`);
    w.pairs.forEach((p, j) => {
      const at = `windows[${i}].pairs[${j}]`;
      if (!PROM_DURATION.test(p.long) || !PROM_DURATION.test(p.short)) {
        add(at, `windows must be durations such as 1h, got ${p.long} and ${p.short}`);
      } else if (!(seconds(p.short) < seconds(p.long))) {
        add(`${at}.short`, `must be shorter than long (${p.long}), got ${p.short}`);
      }
      if (!(p.factor > 0)) add(`${at}.factor`, `must be above 0, got ${p.factor}`);
    });
  });
  return errors;
}

/** A PromQL string literal. */
const str = (value: string) => JSON.stringify(value);
/** A bound below 12 significant digits, so 14.4 * 0.001 renders 0.0144. */
const round = (n: number) => +n.toPrecision(12);

/**
 * The `le` matcher of a bucket: Prometheus 3 writes classic-histogram bounds as floats (`1.0`),
 * Prometheus 2 as the client sent them (`1`), so whole numbers match both.
 */
export function bucketMatcher(bound: number): string {
  const escaped = String(bound).replace(".", "\\.");
  return `le=~${str(Number.isInteger(bound) ? `${escaped}(\\.0)?` : escaped)}`;
}

/** Renders the service's rule group. Pure. */
export function serviceRuleGroup(
  args: ServiceObservabilityArgs,
  windows: readonly BurnAlertClass[] = SLO_BURN_WINDOWS,
): RuleGroup {
  throwIfInvalid("serviceRuleGroup", validateServiceObservabilityArgs(args, windows));
  const base = args.runbookBaseUrl ?? RUNBOOK_BASE_URL;
  const s = args.slo;
  const by = "namespace, service";
  const sel = `namespace=${str(args.namespace)}, service=${str(args.name)}`;
  const rate = (metric: string, extra: string, w: string) =>
    `sum by (${by}) (rate(${metric}{${sel}${extra}}[${w}]))`;
  const http = `${KIT_METRICS.httpRequestDuration}_count`;
  const errorRatio = (w: string) =>
    `${rate(http, `, status_code=~"5.."`, w)} / ${rate(http, "", w)}`;
  const slowRatio = (w: string) =>
    `1 - (${rate(`${KIT_METRICS.httpRequestDuration}_bucket`, `, ${bucketMatcher(s.latencyThresholdSeconds)}`, w)} / ${rate(http, "", w)})`;
  const failedRatio = (w: string) =>
    `${rate(KIT_METRICS.messagesProcessed, `, outcome=${str(FAILED_OUTCOME)}`, w)} / ${rate(KIT_METRICS.messagesProcessed, "", w)}`;

  const who = "{{ $labels.namespace }}/{{ $labels.service }}";
  const rule = (
    alert: string,
    severity: Severity,
    expr: string,
    forDuration: Duration,
    summary: string,
    description: string,
  ): AlertRule => ({
    alert,
    expr,
    for: forDuration,
    // The service as a static label too: the series carry it already, and with it each service's
    // rules are distinct to promtool (it refuses identical alert name and labels in one file).
    labels: { severity, service: args.name },
    annotations: { summary, description, runbook_url: `${base}/${alert}.md` },
  });
  const burn = (
    prefix: string,
    what: string,
    ratio: (w: string) => string,
    target: number,
  ): AlertRule[] =>
    windows.map((w) => {
      const expr = w.pairs
        .map((p) => {
          const limit = round(p.factor * (1 - target));
          return `((${ratio(p.long)}) > ${limit}\nand\n(${ratio(p.short)}) > ${limit})`;
        })
        .join("\nor\n");
      const pairs = w.pairs.map((p) => `${p.factor}x over ${p.long} and ${p.short}`).join(", or ");
      return rule(
        `${prefix}BudgetBurn${w.suffix}`,
        w.severity,
        expr,
        w.for,
        `${who} is burning its ${what} budget${w.suffix ? "" : " fast"}`,
        `${what[0].toUpperCase()}${what.slice(1)} budget of ${who} (target ${target}) is burning at ${pairs}.`,
      );
    });

  const rules: AlertRule[] = [
    ...burn("ServiceError", "error", errorRatio, s.availabilityTarget),
    ...burn("ServiceLatency", "latency", slowRatio, s.latencyTarget).map((r) => ({
      ...r,
      annotations: {
        ...r.annotations,
        description: r.annotations.description.replace(
          "Latency budget",
          `Latency budget (requests slower than ${s.latencyThresholdSeconds}s)`,
        ),
      },
    })),
    ...(s.messageSuccessTarget === undefined
      ? []
      : burn("ServiceMessageFailure", "message failure", failedRatio, s.messageSuccessTarget)),
  ];
  const openFor = s.breakerOpenFor ?? "5m";
  rules.push(
    rule(
      "ServiceCircuitBreakerOpen",
      "warning",
      `max by (${by}, breaker) (${KIT_METRICS.breakerState}{${sel}, state="open"}) == 1`,
      openFor,
      `Circuit breaker {{ $labels.breaker }} of ${who} is open`,
      `Circuit breaker {{ $labels.breaker }} of ${who} has been open for ${openFor}: calls to that dependency fail fast.`,
    ),
  );
  return { name: `${args.name}-slo`, rules };
}

/** Grafana dashboard uids are at most 40 characters. */
function dashboardUid(namespace: string, name: string): string {
  const readable = `acme-svc-${namespace}-${name}`;
  if (readable.length <= 40) return readable;
  return `acme-svc-${createHash("sha256").update(`${namespace}/${name}`).digest("hex").slice(0, 31)}`;
}

/** The service's dashboard: requests, errors, latency, breakers, messages and queues. */
export function serviceDashboard(args: ServiceObservabilityArgs): Record<string, unknown> {
  const sel = `namespace=${str(args.namespace)}, service=${str(args.name)}`;
  const h = KIT_METRICS.httpRequestDuration;
  const ds = { type: "prometheus", uid: DATASOURCE_UIDS.prometheus };
  let id = 0;
  const panel = (
    title: string,
    unit: string,
    targets: Array<{ expr: string; legendFormat: string }>,
  ) => {
    id += 1;
    return {
      id,
      type: "timeseries",
      title,
      datasource: ds,
      gridPos: { h: 8, w: 12, x: ((id - 1) % 2) * 12, y: Math.floor((id - 1) / 2) * 8 },
      fieldConfig: { defaults: { unit }, overrides: [] },
      options: { legend: { displayMode: "list", placement: "bottom" } },
      targets: targets.map((t, i) => ({
        refId: String.fromCharCode(65 + i),
        datasource: ds,
        ...t,
      })),
    };
  };
  const quantile = (q: number) => ({
    expr: `histogram_quantile(${q}, sum by (le) (rate(${h}_bucket{${sel}}[$__rate_interval])))`,
    legendFormat: `p${Math.round(q * 100)}`,
  });
  const panels = [
    panel("Requests by route", "reqps", [
      {
        expr: `sum by (route) (rate(${h}_count{${sel}}[$__rate_interval]))`,
        legendFormat: "{{route}}",
      },
    ]),
    panel("Error share (5xx)", "percentunit", [
      {
        expr: `sum(rate(${h}_count{${sel}, status_code=~"5.."}[$__rate_interval])) / sum(rate(${h}_count{${sel}}[$__rate_interval]))`,
        legendFormat: "5xx",
      },
    ]),
    panel("Latency", "s", [quantile(0.5), quantile(0.99)]),
    panel("Circuit breakers open", "short", [
      {
        expr: `max by (breaker) (${KIT_METRICS.breakerState}{${sel}, state="open"})`,
        legendFormat: "{{breaker}}",
      },
    ]),
    panel("Messages by outcome", "short", [
      {
        expr: `sum by (source, outcome) (rate(${KIT_METRICS.messagesProcessed}{${sel}}[$__rate_interval]))`,
        legendFormat: "{{source}} {{outcome}}",
      },
    ]),
  ];
  const queues = args.consumes?.queueNamePatterns ?? [];
  if (queues.length > 0) {
    const q = `dimension_QueueName=~${str(queues.join("|"))}`;
    panels.push(
      panel("Queue depth and age of oldest message", "short", [
        {
          expr: `max by (dimension_QueueName) (aws_sqs_approximate_number_of_messages_visible_maximum{${q}})`,
          legendFormat: "{{dimension_QueueName}} visible",
        },
        {
          expr: `max by (dimension_QueueName) (aws_sqs_approximate_age_of_oldest_message_maximum{${q}})`,
          legendFormat: "{{dimension_QueueName}} oldest (s)",
        },
      ]),
    );
  }
  const groups = args.consumes?.consumerGroups ?? [];
  if (groups.length > 0) {
    panels.push(
      panel("Consumer lag", "short", [
        {
          expr: `max by (dimension_Consumer_Group, dimension_Topic) (aws_kafka_sum_offset_lag_maximum{dimension_Consumer_Group=~${str(groups.join("|"))}})`,
          legendFormat: "{{dimension_Consumer_Group}} {{dimension_Topic}}",
        },
      ]),
    );
  }
  return {
    uid: dashboardUid(args.namespace, args.name),
    title: `Service ${args.namespace}/${args.name}`,
    tags: ["acme", "service"],
    timezone: "utc",
    schemaVersion: 39,
    version: 1,
    editable: false,
    refresh: "1m",
    time: { from: "now-6h", to: "now" },
    templating: { list: [] },
    annotations: { list: [] },
    panels,
  };
}

/** Builds the service's ServiceMonitor, PrometheusRule and dashboard. Pure. */
export function serviceObservability(
  args: ServiceObservabilityArgs,
  windows: readonly BurnAlertClass[] = SLO_BURN_WINDOWS,
): ServiceObservability {
  const ruleGroup = serviceRuleGroup(args, windows);
  const meta = (name: string, labels: Record<string, string> = {}) => ({
    name,
    namespace: args.namespace,
    labels: { "app.kubernetes.io/part-of": args.name, ...labels },
  });
  const dashboard = serviceDashboard(args);
  return {
    // Prometheus selects every ServiceMonitor and PrometheusRule of the cluster
    // (`*SelectorNilUsesHelmValues: false` in observability/monitoring.ts): no release label.
    serviceMonitor: {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: meta(args.name),
      spec: {
        selector: { matchLabels: { ...args.serviceSelector } },
        namespaceSelector: { matchNames: [args.namespace] },
        endpoints: [
          { port: args.portName, path: METRICS_PATH, interval: "30s", scrapeTimeout: "10s" },
        ],
      },
    },
    prometheusRule: {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: meta(`${args.name}-slo`),
      spec: { groups: [ruleGroup] },
    },
    ruleGroup,
    dashboard,
    dashboardConfigMap: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta(`dashboard-${args.name}`, { grafana_dashboard: "1" }),
      data: { [`${args.name}.json`]: JSON.stringify(dashboard, null, 2) },
    },
  };
}
