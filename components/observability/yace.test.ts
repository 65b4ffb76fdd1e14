/** YACE's configuration and its naming of CloudWatch metrics, against what rules and dashboards query. */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { DEFAULT_ALERT_THRESHOLDS, renderRuleGroups } from "./alertRules";
import { dashboardFiles } from "./grafana";
import { YACE_METRICS, yaceConfig, yaceMetricName, yaceMetricNames } from "./yace";

describe("YACE", () => {
  it("names CloudWatch metrics as YACE v0.67.0 does", () => {
    // The example, and the namespace-prefix rule of YACE's BuildMetricName.
    assert.equal(
      yaceMetricName("AWS/SQS", "ApproximateAgeOfOldestMessage", "Maximum"),
      "aws_sqs_approximate_age_of_oldest_message_maximum",
    );
    assert.equal(
      yaceMetricName("AWS/Kafka", "KafkaDataLogsDiskUsed", "Maximum"),
      "aws_kafka_data_logs_disk_used_maximum",
    );
    assert.equal(yaceMetricName("AWS/EC2", "CPUUtilization", "p99"), "aws_ec2_cpuutilization_p99");
    assert.equal(
      yaceMetricName("/aws/sagemaker/TrainingJobs", "CPUUtilization", "Average"),
      "aws_sagemaker_trainingjobs_cpuutilization_average",
    );
  });

  it("has YACE export every CloudWatch metric the alert rules and dashboards query", () => {
    const exported = new Set(yaceMetricNames());
    const queried = (text: string) => text.match(/\baws_[a-z0-9_]+/g) ?? [];
    const rules = renderRuleGroups(DEFAULT_ALERT_THRESHOLDS, { trustAnchorNotAfterSeconds: 1 })
      .flatMap((g) => g.rules)
      .flatMap((r) => queried(r.expr));
    const dashboards = dashboardFiles().flatMap((d) => queried(d.json));
    assert.ok(rules.length >= 3 && dashboards.length >= 6, "both query CloudWatch metrics");
    const missing = [...new Set([...rules, ...dashboards])].filter((m) => !exported.has(m));
    assert.deepEqual(missing, []);
  });

  it("discovers every metric of YACE_METRICS with its statistics, in the given Region only", () => {
    const config = parse(yaceConfig("eu-central-1")) as {
      "sts-region": string;
      discovery: {
        jobs: Array<{
          type: string;
          regions: string[];
          metrics: Array<{ name: string; statistics: string[] }>;
        }>;
      };
    };
    assert.equal(config["sts-region"], "eu-central-1");
    assert.deepEqual(
      config.discovery.jobs.map((j) => [
        j.type,
        j.regions,
        j.metrics.map((m) => [m.name, m.statistics]),
      ]),
      Object.entries(YACE_METRICS).map(([type, metrics]) => [type, ["eu-central-1"], metrics]),
    );
  });
});
