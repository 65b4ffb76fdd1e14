import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mskCluster } from "../../../fixtures/msk";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeMskClusterEnableBrokerLogging as policy } from "./enableBrokerLogging";

describe(policy.name, () => {
  test("passes a cluster logging to CloudWatch Logs", async () => {
    assert.deepEqual(await violationMessages(policy, mskCluster()), []);
  });

  test("passes a cluster logging to S3 only", async () => {
    const cluster = mskCluster();
    cluster.loggingInfo.brokerLogs = {
      cloudwatchLogs: { enabled: false },
      s3: { enabled: true, bucket: "acme-msk-logs" },
    };
    assert.deepEqual(await violationMessages(policy, cluster), []);
  });

  test("reports a cluster whose destinations are all off", async () => {
    const cluster = mskCluster();
    cluster.loggingInfo.brokerLogs = {
      cloudwatchLogs: { enabled: false },
      firehose: { enabled: false },
    };
    assert.deepEqual(await violationMessages(policy, cluster), [
      "loggingInfo.brokerLogs enables none of cloudwatchLogs, firehose, s3; enable " +
        "cloudwatchLogs with a KMS-encrypted log group, or firehose or s3.",
    ]);
  });

  test("reports a cluster without loggingInfo", async () => {
    assert.deepEqual(await violationMessages(policy, { ...mskCluster(), loggingInfo: undefined }), [
      "loggingInfo.brokerLogs is not set, so broker logs go nowhere; enable " +
        "loggingInfo.brokerLogs.cloudwatchLogs with a KMS-encrypted log group, or firehose or s3.",
    ]);
  });

  test("leaves an unknown enabled flag undecided instead of reporting it", async () => {
    const cluster = mskCluster();
    cluster.loggingInfo.brokerLogs = {
      cloudwatchLogs: { enabled: unknownValue<boolean>("boolean"), logGroup: "/aws/msk/x/broker" },
    };
    const result = await evaluateProps(policy, cluster);
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      [
        "boolean value at .loggingInfo.brokerLogs.cloudwatchLogs.enabled can't be known during preview",
      ],
    );
  });
});
