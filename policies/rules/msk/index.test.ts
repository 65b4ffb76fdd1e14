/**
 * The acceptance case of the MSK rules: a stack export whose MSK cluster allows plaintext clients
 * fails, naming it. (Naming and metadata conventions are checked for every rule in ../meta.test.ts.)
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { evaluateStackExport } from "../../lib/runner";
import { mskCluster, mskConfiguration } from "../../fixtures/msk";
import { mskPolicies } from "./index";

describe("MSK rules on a stack export", () => {
  const P = "urn:pulumi:dev::acme-platform::acme:messaging:KafkaCluster$";
  const CLUSTER_URN = `${P}aws:msk/cluster:Cluster::events-cluster`;
  const stored = (o: object) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>;

  test("reports a cluster with clientBroker TLS_PLAINTEXT as a mandatory violation naming it", async () => {
    const cluster = mskCluster();
    cluster.encryptionInfo.encryptionInTransit.clientBroker = "TLS_PLAINTEXT";
    const result = await evaluateStackExport(
      {
        version: 3,
        deployment: {
          resources: [
            {
              urn: CLUSTER_URN,
              type: "aws:msk/cluster:Cluster",
              custom: true,
              id: "arn:aws:kafka:eu-west-1:111122223333:cluster/acme-prod-events/x-2",
              inputs: stored(cluster),
              outputs: stored(cluster),
            },
            {
              urn: `${P}aws:msk/configuration:Configuration::events-brokers`,
              type: "aws:msk/configuration:Configuration",
              custom: true,
              id: "arn:aws:kafka:eu-west-1:111122223333:configuration/events/y-2",
              inputs: stored(mskConfiguration()),
              outputs: stored(mskConfiguration()),
            },
          ],
        },
      },
      { policies: mskPolicies },
    );
    assert.deepEqual(
      result.violations.map((v) => ({
        policy: v.policyName,
        level: v.enforcementLevel,
        urn: v.urn,
        controls: v.controls,
        value: v.message.includes('"TLS_PLAINTEXT"'),
      })),
      [
        {
          policy: "acme-msk-cluster-enforce-client-broker-tls",
          level: "mandatory",
          urn: CLUSTER_URN,
          controls: ["MSK-CLIENT-BROKER-TLS"],
          value: true,
        },
      ],
    );
    assert.equal(result.policiesRun, mskPolicies.length);
  });
});
