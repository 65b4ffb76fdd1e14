import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mskConfiguration, PROD_SERVER_PROPERTIES } from "../../../fixtures/msk";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import {
  acmeMskConfigurationEnforceReplicationSettings as policy,
  parseServerProperties,
} from "./enforceReplicationSettings";

const DEV_CONFIG = { minimumReplicationFactor: 2, minimumInsyncReplicas: 1 };

/** The production properties with one line replaced (or removed, when `value` is undefined). */
function withProperty(key: string, value: string | undefined) {
  const lines = PROD_SERVER_PROPERTIES.split("\n").filter((l) => !l.startsWith(`${key}=`));
  return {
    ...mskConfiguration(),
    serverProperties: [...lines, ...(value === undefined ? [] : [`${key}=${value}`])].join("\n"),
  };
}

describe(policy.name, () => {
  test("passes production settings: replication 3, two in-sync replicas, no unclean election", async () => {
    assert.deepEqual(await violationMessages(policy, mskConfiguration()), []);
  });

  test("reports a replication factor below the default minimum of 3", async () => {
    assert.deepEqual(
      await violationMessages(policy, withProperty("default.replication.factor", "2")),
      [
        "default.replication.factor is 2; set it to at least 3 (policy config " +
          "minimumReplicationFactor).",
      ],
    );
  });

  test("reports an unset replication factor, naming MSK's default", async () => {
    assert.deepEqual(
      await violationMessages(policy, withProperty("default.replication.factor", undefined)),
      [
        "default.replication.factor is not set (MSK default: 3 in three AZs, 2 in two); set it " +
          "to at least 3 (policy config minimumReplicationFactor).",
      ],
    );
  });

  test("reports min.insync.replicas below the default minimum of 2", async () => {
    assert.deepEqual(await violationMessages(policy, withProperty("min.insync.replicas", "1")), [
      "min.insync.replicas is 1; set it to at least 2 (policy config minimumInsyncReplicas) so " +
        "an acknowledged write is on that many brokers.",
    ]);
  });

  test("reports a value that is not a whole number", async () => {
    assert.deepEqual(await violationMessages(policy, withProperty("min.insync.replicas", "two")), [
      "min.insync.replicas is two; set it to at least 2 (policy config minimumInsyncReplicas) so " +
        "an acknowledged write is on that many brokers.",
    ]);
  });

  test("reports unclean leader election turned on", async () => {
    assert.deepEqual(
      await violationMessages(policy, withProperty("unclean.leader.election.enable", "true")),
      [
        "unclean.leader.election.enable is true; set it to false so a replica that missed " +
          "acknowledged writes never becomes leader.",
      ],
    );
  });

  test("reports unclean leader election left to the default", async () => {
    assert.deepEqual(
      await violationMessages(policy, withProperty("unclean.leader.election.enable", undefined)),
      [
        "unclean.leader.election.enable is not set; set it to false so a replica that missed " +
          "acknowledged writes never becomes leader.",
      ],
    );
  });

  test("passes dev settings (2 and 1) when the policy config lowers the minimums", async () => {
    const dev = {
      ...mskConfiguration(),
      serverProperties:
        "default.replication.factor=2\nmin.insync.replicas=1\nunclean.leader.election.enable=false\n",
    };
    assert.deepEqual(await violationMessages(policy, dev, DEV_CONFIG), []);
    assert.equal((await violationMessages(policy, dev)).length, 2, "the defaults still apply");
  });

  test("reads the properties the way Java does: separators, spaces, comments, last value wins", () => {
    assert.deepEqual(
      [
        ...parseServerProperties(
          "# broker defaults\n! legacy comment\n a = 1\nb:2\nc 3\n\nd=x=y\na=4\r\nflag\n",
        ),
      ],
      [
        ["a", "4"],
        ["b", "2"],
        ["c", "3"],
        ["d", "x=y"],
        ["flag", ""],
      ],
    );
  });

  test("accepts FALSE in any case, as Kafka does", async () => {
    assert.deepEqual(
      await violationMessages(policy, withProperty("unclean.leader.election.enable", "FALSE")),
      [],
    );
  });

  test("leaves unknown server properties undecided instead of reporting them", async () => {
    const result = await evaluateProps(policy, {
      ...mskConfiguration(),
      serverProperties: unknownValue<string>("string"),
    });
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["string value at .serverProperties can't be known during preview"],
    );
  });
});
