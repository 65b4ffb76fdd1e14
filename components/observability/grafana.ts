/**
 * Grafana as kube-prometheus-stack installs it: the admin Secret's keys, the logs and tracing
 * datasources next to the chart's Prometheus and Alertmanager ones, the dashboards of
 * `dashboards/*.json` provisioned through the sidecar, and the `grafana:` section of the values.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";

/**
 * Value paths of the `grafana:` section kube-prometheus-stack reads but the grafana subchart's
 * values.yaml (which the key check compares `grafana.*` with) lacks. The parent chart adds them
 * (values.yaml, `grafana.sidecar.datasources` and `grafana.additionalDataSources`) and its own
 * templates/grafana/configmaps-datasources.yaml reads them.
 */
export const GRAFANA_FREE_FORM_VALUES = [
  "grafana.sidecar.datasources.uid",
  "grafana.sidecar.datasources.exemplarTraceIdDestinations",
  "grafana.additionalDataSources",
] as const;

/** UIDs of the provisioned Grafana datasources; dashboards reference them by these UIDs. */
export const DATASOURCE_UIDS = {
  /** Set by the chart (`grafana.sidecar.datasources.uid`, default "prometheus"). */
  prometheus: "prometheus",
  /** Set by the chart (`grafana.sidecar.datasources.alertmanager.uid`). */
  alertmanager: "alertmanager",
  elasticsearch: "elasticsearch-logs",
  jaeger: "jaeger",
} as const;

/** Keys of the Grafana admin Secret, as the chart's defaults name them. */
export const GRAFANA_ADMIN_USER_KEY = "admin-user";
export const GRAFANA_ADMIN_PASSWORD_KEY = "admin-password";

/** The directory of the dashboard JSON files, one ConfigMap each. */
export const DASHBOARDS_DIR = path.join(__dirname, "dashboards");

/** The Secret (in Grafana's namespace) holding the logs datasource's password. */
export const GRAFANA_ELASTICSEARCH_SECRET = "grafana-elasticsearch";
/** The key of the password in {@link GRAFANA_ELASTICSEARCH_SECRET}. */
export const GRAFANA_ELASTICSEARCH_PASSWORD_KEY = "password";
/**
 * Where the grafana container mounts {@link GRAFANA_ELASTICSEARCH_SECRET}, read-only (the grafana
 * chart's `extraSecretMounts`). The password is read from the file there, never from the
 * environment.
 */
const GRAFANA_ELASTICSEARCH_SECRET_DIR = "/etc/secrets/grafana-elasticsearch";

/**
 * Grafana datasources besides the chart's Prometheus and Alertmanager ones.
 *
 * Grafana expands `$NAME` and `${NAME}` from the environment in every provisioned value, and `$$`
 * stands for a literal `$` ("Provision Grafana", "Use of the special character $",
 * https://grafana.com/docs/grafana/latest/administration/provisioning/): the links' own
 * `${__value.raw}` and `${__trace.traceId}` are written `$${...}`, or they would arrive empty.
 * Before that it expands the configuration file's providers, `$__file{<path>}` among them, to the
 * file's content, trimmed (pkg/services/provisioning/values/values.go `interpolateValue` calls
 * `setting.ExpandVar`): the logs password is read that way from the mounted Secret. The expanded
 * password then goes through the environment expansion too, which leaves it whole as long as it
 * has no `$` (Logging generates it without special characters).
 */
export function additionalDataSources(v: {
  elasticsearchUrl: pulumi.Input<string>;
  elasticsearchIndex: string;
  elasticsearchUsername: string;
  elasticsearchCaPem: pulumi.Input<string>;
  tracingQueryUrl: pulumi.Input<string>;
}): Record<string, unknown>[] {
  return [
    {
      name: "Elasticsearch (logs)",
      uid: DATASOURCE_UIDS.elasticsearch,
      type: "elasticsearch",
      access: "proxy",
      url: v.elasticsearchUrl,
      // Its own read-only user (Logging's acme_grafana role) over TLS verified with the HTTP CA.
      basicAuth: true,
      basicAuthUser: v.elasticsearchUsername,
      secureJsonData: {
        basicAuthPassword: `$__file{${GRAFANA_ELASTICSEARCH_SECRET_DIR}/${GRAFANA_ELASTICSEARCH_PASSWORD_KEY}}`,
        tlsCACert: v.elasticsearchCaPem,
      },
      jsonData: {
        tlsAuthWithCACert: true,
        index: v.elasticsearchIndex,
        timeField: "@timestamp",
        logMessageField: "message",
        logLevelField: "level",
        // Logs carry the W3C trace id in `trace_id`; the link opens the trace in Jaeger.
        dataLinks: [
          {
            field: "trace_id",
            url: "$${__value.raw}",
            datasourceUid: DATASOURCE_UIDS.jaeger,
          },
        ],
      },
      editable: false,
    },
    {
      name: "Jaeger",
      uid: DATASOURCE_UIDS.jaeger,
      type: "jaeger",
      access: "proxy",
      url: v.tracingQueryUrl,
      jsonData: {
        // From a span to the logs of the same trace in Elasticsearch.
        tracesToLogsV2: {
          datasourceUid: DATASOURCE_UIDS.elasticsearch,
          filterByTraceID: true,
          filterBySpanID: false,
          customQuery: true,
          query: 'trace_id:"$${__trace.traceId}"',
          spanStartTimeShift: "-5m",
          spanEndTimeShift: "5m",
        },
      },
      editable: false,
    },
  ];
}

/** The dashboards of `dashboards/*.json`, keyed by file name, sorted. */
export function dashboardFiles(dir = DASHBOARDS_DIR): Array<{ file: string; json: string }> {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((file) => ({ file, json: fs.readFileSync(path.join(dir, file), "utf8") }));
}

/** What {@link grafanaValues} needs. */
export interface GrafanaValuesInputs {
  /** The Secret holding the admin user and password under the keys above. */
  grafanaAdminSecretName: pulumi.Input<string>;
  elasticsearchUrl: pulumi.Input<string>;
  elasticsearchIndex: string;
  elasticsearchUsername: string;
  elasticsearchCaPem: pulumi.Input<string>;
  tracingQueryUrl: pulumi.Input<string>;
}

/** The `grafana:` section of kube-prometheus-stack's values. */
export function grafanaValues(v: GrafanaValuesInputs) {
  return {
    // The password only through the Secret: `adminPassword` stays unset, so it never lands in
    // the release's values (stored in the cluster and in the Pulumi state in plain text).
    admin: {
      existingSecret: v.grafanaAdminSecretName,
      userKey: GRAFANA_ADMIN_USER_KEY,
      passwordKey: GRAFANA_ADMIN_PASSWORD_KEY,
    },
    // The logs datasource's password, as a file of its Secret mounted read-only into the grafana
    // container (grafana chart `extraSecretMounts`), which the datasource reads with `$__file{}`;
    // never in the environment.
    extraSecretMounts: [
      {
        name: "elasticsearch-credentials",
        secretName: GRAFANA_ELASTICSEARCH_SECRET,
        mountPath: GRAFANA_ELASTICSEARCH_SECRET_DIR,
        readOnly: true,
      },
    ],
    sidecar: {
      dashboards: {
        enabled: true,
        label: "grafana_dashboard",
        labelValue: "1",
        searchNamespace: "ALL",
      },
      datasources: {
        enabled: true,
        uid: DATASOURCE_UIDS.prometheus,
        exemplarTraceIdDestinations: {
          datasourceUid: DATASOURCE_UIDS.jaeger,
          traceIdLabelName: "trace_id",
        },
      },
    },
    additionalDataSources: additionalDataSources(v),
  };
}
