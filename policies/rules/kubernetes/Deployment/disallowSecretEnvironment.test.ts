import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { deployment, restrictedContainer } from "../../../fixtures/workloads";
import { K8S_HELM_RELEASE as RELEASE } from "../../../lib/resourceTypes";
import { PolicyRunError } from "../../../lib/runner";
import { violationMessages } from "../../../lib/testing";
import { acmeKubernetesDeploymentDisallowSecretEnvironment as policy } from "./disallowSecretEnvironment";

const FIX =
  "mount the Secret as a file instead (a `secret` volume, readOnly) and have the process read " +
  "the file, or list the site in this rule's `exemptions` with the reason the app cannot read one.";

/** A container reading its password from a mounted Secret: what the rule asks for. */
function fileReadingContainer(name: string) {
  return {
    ...restrictedContainer(name),
    env: [
      { name: "DB_HOST", value: "db.internal" },
      { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "DB_PASSWORD_FILE", value: "/credentials/password" },
    ],
    envFrom: [{ configMapRef: { name: "settings" } }],
    volumeMounts: [{ name: "credentials", mountPath: "/credentials", readOnly: true }],
  };
}
const secretEnv = {
  name: "DB_PASSWORD",
  valueFrom: { secretKeyRef: { name: "db", key: "password" } },
};
const secretEnvFrom = { secretRef: { name: "db" } };

/** A pod spec with one container and one init container, both reading files. */
function podSpec() {
  return {
    initContainers: [fileReadingContainer("migrate")],
    containers: [fileReadingContainer("app")],
    volumes: [{ name: "credentials", secret: { secretName: "db" } }],
  };
}
type PodSpec = ReturnType<typeof podSpec>;

/** Each workload kind with the pod spec where that kind keeps it, and that path. */
const WORKLOADS: Array<{ type: string; at: string; wrap: (pod: PodSpec) => object }> = [
  {
    type: "kubernetes:apps/v1:Deployment",
    at: "spec.template.spec",
    wrap: (pod) => ({ ...deployment(), spec: { ...deployment().spec, template: { spec: pod } } }),
  },
  ...["apps/v1:StatefulSet", "apps/v1:DaemonSet", "apps/v1:ReplicaSet", "batch/v1:Job"].map(
    (t) => ({
      type: `kubernetes:${t}`,
      at: "spec.template.spec",
      wrap: (pod: PodSpec) => ({ metadata: { name: "app" }, spec: { template: { spec: pod } } }),
    }),
  ),
  {
    type: "kubernetes:batch/v1:CronJob",
    at: "spec.jobTemplate.spec.template.spec",
    wrap: (pod) => ({
      metadata: { name: "app" },
      spec: { schedule: "0 1 * * *", jobTemplate: { spec: { template: { spec: pod } } } },
    }),
  },
  {
    type: "kubernetes:core/v1:Pod",
    at: "spec",
    wrap: (pod) => ({ metadata: { name: "app" }, spec: pod }),
  },
];

/** The Jaeger release as components/observability/tracing.ts builds it, with file-based credentials. */
function jaegerRelease(): { name: string; chart: string; values: Record<string, unknown> } {
  return {
    name: "jaeger",
    chart: "jaeger",
    values: {
      jaeger: {
        extraEnv: [{ name: "LOG_LEVEL", value: "info" }],
        extraVolumes: [{ name: "es-credentials", secret: { secretName: "acme-es-jaeger-user" } }],
        extraVolumeMounts: [
          { name: "es-credentials", mountPath: "/es-credentials", readOnly: true },
        ],
      },
      esIndexCleaner: {
        extraSecretMounts: [{ name: "es-tls", secretName: "es-ca", mountPath: "/es-tls" }],
      },
      // A `secretRef` outside an env list (a volume source) takes nothing into the environment.
      storage: { cephfs: { secretRef: { name: "ceph" } } },
    },
  };
}

describe(policy.name, () => {
  test("passes every workload kind whose containers read Secrets from files", async () => {
    for (const w of WORKLOADS) {
      assert.deepEqual(
        await violationMessages(policy, w.wrap(podSpec()), undefined, w.type),
        [],
        w.type,
      );
    }
  });

  test("reports env secretKeyRef and envFrom secretRef in containers and init containers of every kind", async () => {
    for (const w of WORKLOADS) {
      const pod = podSpec();
      pod.containers[0].env.push(secretEnv as never);
      pod.initContainers[0].envFrom.push(secretEnvFrom as never);
      const kind = w.type.split(":")[2];
      const name = kind === "Deployment" ? "service-a" : "app";
      assert.deepEqual(
        await violationMessages(policy, w.wrap(pod), undefined, w.type),
        [
          `${kind} ${name}: ${w.at}.initContainers[0].envFrom[1].secretRef (container "migrate") ` +
            `puts every key of Secret "db" into the environment; ${FIX}`,
          `${kind} ${name}: ${w.at}.containers[0].env[3].valueFrom.secretKeyRef (container "app") ` +
            `puts key "password" of Secret "db" into env "DB_PASSWORD"; ${FIX}`,
        ],
        w.type,
      );
    }
  });

  test("passes a Helm release whose values mount Secrets as files", async () => {
    assert.deepEqual(await violationMessages(policy, jaegerRelease(), undefined, RELEASE), []);
  });

  test("reports a secretKeyRef anywhere in a release's values and a secretRef in envFrom lists", async () => {
    const release = jaegerRelease();
    const jaeger = release.values.jaeger as Record<string, unknown[]>;
    jaeger.extraEnv.push(secretEnv);
    jaeger.extraEnvFrom = [secretEnvFrom];
    release.values.grafana = {
      envValueFrom: { ES_PASSWORD: { secretKeyRef: { name: "grafana-es", key: "password" } } },
    };
    assert.deepEqual(await violationMessages(policy, release, undefined, RELEASE), [
      'Release jaeger: values.jaeger.extraEnv[1].valueFrom.secretKeyRef puts key "password" of ' +
        `Secret "db" into a container's environment; ${FIX}`,
      'Release jaeger: values.jaeger.extraEnvFrom[0].secretRef puts every key of Secret "db" into ' +
        `a container's environment; ${FIX}`,
      "Release jaeger: values.grafana.envValueFrom.ES_PASSWORD.secretKeyRef puts key " +
        `"password" of Secret "grafana-es" into a container's environment; ${FIX}`,
    ]);
  });

  test("an exemption covers its kind, name and path only", async () => {
    const release = jaegerRelease();
    (release.values.jaeger as Record<string, unknown[]>).extraEnv.push(secretEnv);
    (release.values.esIndexCleaner as Record<string, unknown>).extraEnv = [secretEnv];
    const exemption = {
      kind: "Release",
      name: "jaeger",
      path: "values.esIndexCleaner.extraEnv",
      reason: "the cleaner reads its password only from a flag or the environment",
    };
    assert.deepEqual(
      await violationMessages(policy, release, { exemptions: [exemption] }, RELEASE),
      [
        'Release jaeger: values.jaeger.extraEnv[1].valueFrom.secretKeyRef puts key "password" of ' +
          `Secret "db" into a container's environment; ${FIX}`,
      ],
    );
    // Another release of the same values, or a sibling key sharing the prefix, is not covered.
    const other = { ...release, name: "jaeger-2" };
    const notCovered = await violationMessages(policy, other, { exemptions: [exemption] }, RELEASE);
    assert.equal(notCovered.length, 2);
    const sibling = { ...exemption, path: "values.esIndexCleaner.extra" };
    assert.equal(
      (await violationMessages(policy, release, { exemptions: [sibling] }, RELEASE)).length,
      2,
    );
    // Nor is the same name and path under another kind.
    const otherKind = { ...exemption, kind: "Deployment" };
    assert.equal(
      (await violationMessages(policy, release, { exemptions: [otherKind] }, RELEASE)).length,
      2,
    );
  });

  test("refuses an exemption without a reason", async () => {
    const release = jaegerRelease();
    const exemptions = [{ kind: "Release", name: "jaeger", path: "values", reason: "" }];
    await assert.rejects(
      violationMessages(policy, release, { exemptions }, RELEASE),
      (e: unknown) =>
        e instanceof PolicyRunError &&
        e.message.includes('exemptions[0].reason is ""; say in a sentence why the app cannot'),
    );
  });

  test("every stack's pack config holds the same exemptions, each with its reason", () => {
    const configs = ["dev", "staging", "prod"].map((stack) => {
      const file = path.join(__dirname, "..", "..", "..", "config", `${stack}.json`);
      const config = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
      return config[policy.name] as { exemptions: Array<Record<string, string>> };
    });
    assert.deepEqual(configs[1], configs[0]);
    assert.deepEqual(configs[2], configs[0]);
    assert.deepEqual(
      configs[0].exemptions.map((e) => `${e.kind}/${e.name}:${e.path}`),
      ["Release/jaeger:values.esIndexCleaner.extraEnv"],
    );
  });
});
