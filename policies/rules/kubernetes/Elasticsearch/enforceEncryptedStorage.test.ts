import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { storageClass } from "../../../fixtures/kubernetes";
import {
  ELASTICSEARCH,
  elasticsearch,
  evaluateMixedStack,
  type MixedMember,
  STORAGE_CLASS,
} from "../../../fixtures/observability";
import { testUrn, unknownValue } from "../../../lib/testing";
import { acmeKubernetesElasticsearchEnforceEncryptedStorage as policy } from "./enforceEncryptedStorage";

const CLUSTER_A = "urn:pulumi:test::acme-platform::pulumi:providers:kubernetes::cluster-a";
const CLUSTER_B = "urn:pulumi:test::acme-platform::pulumi:providers:kubernetes::cluster-b";
const ES_URN = testUrn(ELASTICSEARCH, "logs");
const FIX = 'name a StorageClass in this stack whose parameters set encrypted: "true".';
const WHERE = 'Elasticsearch logs nodeSets[0] ("default")';

function stack(es: object, classes: object[] = [storageClass()]): MixedMember[] {
  return [
    { type: ELASTICSEARCH, name: "logs", outputs: es, provider: CLUSTER_A },
    ...classes.map((c, i) => ({
      type: STORAGE_CLASS,
      name: `class-${i}`,
      outputs: c,
      provider: CLUSTER_A,
    })),
  ];
}

async function violations(members: MixedMember[]): Promise<Array<[string | undefined, string]>> {
  const result = await evaluateMixedStack(policy, members);
  return result.violations.map((v) => [v.urn, v.message]);
}

describe(policy.name, () => {
  test("passes data volumes on an encrypted StorageClass of the same cluster", async () => {
    assert.deepEqual(await violations(stack(elasticsearch())), []);
  });

  test("reports a claim without storageClassName", async () => {
    const es = elasticsearch();
    const template = (
      es.spec as { nodeSets: Array<{ volumeClaimTemplates: Array<{ spec: object }> }> }
    ).nodeSets[0].volumeClaimTemplates[0];
    template.spec = { ...template.spec, storageClassName: undefined };
    assert.deepEqual(await violations(stack(es)), [
      [
        ES_URN,
        `${WHERE} volumeClaimTemplates[0].spec.storageClassName is not set, so the claim uses the default StorageClass; ${FIX}`,
      ],
    ]);
  });

  test("reports a class that is not in the stack", async () => {
    assert.deepEqual(await violations(stack(elasticsearch("gp2"))), [
      [
        ES_URN,
        `${WHERE} volumeClaimTemplates[0].spec.storageClassName is "gp2", which is not a StorageClass of the same cluster in this stack; ${FIX}`,
      ],
    ]);
  });

  test("reports a class of the same name that belongs to another cluster", async () => {
    const members = stack(elasticsearch(), []);
    members.push({ type: STORAGE_CLASS, name: "b", outputs: storageClass(), provider: CLUSTER_B });
    assert.deepEqual(await violations(members), [
      [
        ES_URN,
        `${WHERE} volumeClaimTemplates[0].spec.storageClassName is "gp3-encrypted", which is not a StorageClass of the same cluster in this stack; ${FIX}`,
      ],
    ]);
  });

  test("reports a class that does not encrypt", async () => {
    assert.deepEqual(
      await violations(stack(elasticsearch(), [storageClass({ encrypted: "false" })])),
      [
        [
          ES_URN,
          `${WHERE} volumeClaimTemplates[0].spec.storageClassName is "gp3-encrypted", a StorageClass whose parameters.encrypted is "false"; ${FIX}`,
        ],
      ],
    );
  });

  test("reads the encrypted parameter case-insensitively", async () => {
    const plain = storageClass();
    plain.parameters = { type: "gp3", Encrypted: "true" };
    assert.deepEqual(await violations(stack(elasticsearch(), [plain])), []);
  });

  test("reports a node set without volume claim templates", async () => {
    const es = elasticsearch();
    (es.spec as { nodeSets: Array<Record<string, unknown>> }).nodeSets[0].volumeClaimTemplates = [];
    assert.deepEqual(await violations(stack(es)), [
      [
        ES_URN,
        `${WHERE} has no volumeClaimTemplates, so ECK claims its data volume from the default StorageClass; add a template whose storageClassName names a StorageClass in this stack whose parameters set encrypted: "true".`,
      ],
    ]);
  });

  test("leaves unknown node sets undecided instead of reporting them", async () => {
    const es = { ...elasticsearch(), spec: { nodeSets: unknownValue<object[]>("array") } };
    const result = await evaluateMixedStack(policy, stack(es));
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["Array value at .spec.nodeSets can't be known during preview"],
    );
  });
});
