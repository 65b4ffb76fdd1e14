import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { checkHelmValues } from "../../tools/checks/helmValues";
import { validateManifest } from "../../tools/checks/manifests";
import type { Capture, CapturedResource } from "../../tools/mocks";
import {
  MOCK_ACCOUNT_ID,
  mockPlatform,
  ofType,
  pinnedChart,
  policyOf,
  single,
  TEST_REGION,
  valueOf,
} from "../../tools/testing";
import { CHARTS, policyDocument, type PolicyStatement } from "../lib";
import {
  ARGO_WORKFLOWS_FREE_FORM_VALUES,
  ArgoWorkflows,
  type ArgoWorkflowsArgs,
  validateArgoWorkflowsArgs,
} from "./argoWorkflows";
import { ArtifactBucket } from "./artifactBucket";

const DATA_KEY = `arn:aws:kms:${TEST_REGION}:${MOCK_ACCOUNT_ID}:key/data`;
const CLUSTER = "acme-test";
const SSO = {
  issuer: "https://login.example.com/realms/acme",
  clientIdSecretName: "argo-sso",
  redirectUrl: "https://argo.example.com/oauth2/callback",
};
const ARCHIVE_DB = {
  host: "argo.cluster-abc.eu-west-1.rds.amazonaws.com",
  database: "argo",
  credentialsSecretName: "argo-archive-db",
};

/** What a step might need: sending to one queue. */
const STEP_GRANTS: PolicyStatement[] = [
  {
    Effect: "Allow",
    Action: ["sqs:SendMessage"],
    Resource: `arn:aws:sqs:${TEST_REGION}:${MOCK_ACCOUNT_ID}:worker-tasks`,
  },
];

describe("ArgoWorkflows", () => {
  let capture: Capture;
  let provider: k8s.Provider;
  let bucket: ArtifactBucket;
  let bucketName: string;
  let devUrn: string;
  let prodUrn: string;
  let linkerd: k8s.core.v1.Namespace;

  const args = (overrides: Partial<ArgoWorkflowsArgs> = {}): ArgoWorkflowsArgs => ({
    provider,
    namespace: "argo",
    clusterName: CLUSTER,
    accountId: MOCK_ACCOUNT_ID,
    artifactBucket: bucket,
    highAvailability: false,
    serviceMonitor: true,
    ...overrides,
  });

  const release = (urn: string) => {
    const found = ofType(capture, "kubernetes:helm.sh/v3:Release", urn);
    assert.equal(found.length, 1);
    return found[0];
  };
  const valuesOf = (r: CapturedResource) => r.inputs.values as Record<string, unknown>;

  /** Everything both installs share: artifacts, SA names, namespaced mode. */
  const common = (namespace: string) => ({
    images: { pullPolicy: "IfNotPresent" },
    singleNamespace: true,
    workflow: { serviceAccount: { create: true, name: "argo-workflow" } },
    useStaticCredentials: false,
    artifactRepository: {
      archiveLogs: true,
      s3: {
        bucket: bucketName,
        region: TEST_REGION,
        endpoint: "s3.amazonaws.com",
        insecure: false,
        useSDKCreds: true,
        encryptionOptions: { enableEncryption: true, kmsKeyId: DATA_KEY },
      },
    },
    controllerBase: {
      workflowNamespaces: [namespace],
      metricsConfig: { enabled: true },
      serviceMonitor: { enabled: true },
      workflowDefaults: { spec: { serviceAccountName: "argo-workflow" } },
      logging: { format: "json" },
      resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
    },
    serverBase: {
      enabled: true,
      secure: true,
      serviceAccount: { name: "argo-workflows-server" },
      logging: { format: "json" },
      resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
    },
  });

  before(async () => {
    capture = await mockPlatform();
    provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    bucket = new ArtifactBucket("artifacts", {
      kmsKeyArn: DATA_KEY,
      region: TEST_REGION,
      artifactExpirationDays: 30,
      noncurrentVersionExpirationDays: 7,
    });
    linkerd = new k8s.core.v1.Namespace("linkerd", {}, { provider });
    const dev = new ArgoWorkflows("dev", args());
    const prod = new ArgoWorkflows(
      "prod",
      args({
        namespace: "argo-prod",
        highAvailability: true,
        sso: SSO,
        archive: true,
        archiveDatabase: ARCHIVE_DB,
        workflowGrants: STEP_GRANTS,
      }),
      { dependsOn: [linkerd] },
    );
    await capture.settle();
    [bucketName, devUrn, prodUrn] = await Promise.all([
      valueOf(bucket.bucketName),
      valueOf(dev.urn),
      valueOf(prod.urn),
    ]);
  });

  it("installs the chart as pinned in components/lib/charts.ts, in every stack", () => {
    for (const urn of [devUrn, prodUrn]) {
      const { chart, version, repositoryOpts } = release(urn).inputs;
      assert.deepEqual({ chart, version, repositoryOpts }, pinnedChart(CHARTS.argoWorkflows));
    }
  });

  it("installs a namespaced controller and a client-auth server in dev", () => {
    const r = release(devUrn);
    const { values: _values, ...rest } = r.inputs;
    assert.deepEqual(rest, {
      compat: "true",
      name: "argo-workflows",
      ...pinnedChart(CHARTS.argoWorkflows),
      namespace: "argo",
    });
    const { controllerBase, serverBase, ...shared } = common("argo");
    assert.deepEqual(valuesOf(r), {
      ...shared,
      controller: { ...controllerBase, replicas: 1 },
      server: { ...serverBase, authModes: ["client"], replicas: 1 },
    });
    const [k8sProvider] = ofType(capture, "pulumi:providers:kubernetes");
    assert.equal(r.provider, `${k8sProvider.urn}::${k8sProvider.id}`);
  });

  it("runs two of each over zones, with SSO and the archive, in prod", () => {
    const { controllerBase, serverBase, ...shared } = common("argo-prod");
    const ha = {
      replicas: 2,
      pdb: { enabled: true, minAvailable: 1 },
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: "topology.kubernetes.io/zone",
          whenUnsatisfiable: "ScheduleAnyway",
        },
      ],
    };
    assert.deepEqual(valuesOf(release(prodUrn)), {
      ...shared,
      controller: {
        ...controllerBase,
        ...ha,
        persistence: {
          archive: true,
          archiveTTL: "30d",
          postgresql: {
            host: ARCHIVE_DB.host,
            port: 5432,
            database: "argo",
            tableName: "argo_workflows",
            userNameSecret: { name: "argo-archive-db", key: "username" },
            passwordSecret: { name: "argo-archive-db", key: "password" },
            ssl: true,
            sslMode: "require",
          },
        },
      },
      server: {
        ...serverBase,
        authModes: ["sso"],
        ...ha,
        sso: {
          enabled: true,
          issuer: SSO.issuer,
          clientId: { name: "argo-sso", key: "client-id" },
          clientSecret: { name: "argo-sso", key: "client-secret" },
          redirectUrl: SSO.redirectUrl,
          rbac: { enabled: true },
          scopes: ["groups"],
        },
      },
    });
  });

  it("never offers the server auth mode", () => {
    for (const urn of [devUrn, prodUrn]) {
      const server = valuesOf(release(urn)).server as { authModes: string[] };
      assert.equal(server.authModes.includes("server"), false);
    }
  });

  it("sets only keys the pinned chart has; the free-form list is exactly what it needs", () => {
    for (const urn of [devUrn, prodUrn]) {
      assert.deepEqual(
        checkHelmValues(
          CHARTS.argoWorkflows.name,
          CHARTS.argoWorkflows.version,
          valuesOf(release(urn)),
          [...ARGO_WORKFLOWS_FREE_FORM_VALUES],
        ),
        [],
      );
    }
    assert.deepEqual(
      checkHelmValues(
        CHARTS.argoWorkflows.name,
        CHARTS.argoWorkflows.version,
        valuesOf(release(prodUrn)),
      ).map((e) => e.path),
      ["controller.pdb.minAvailable", "server.pdb.minAvailable"],
    );
  });

  it("fails a misspelt controller.metricConfig, naming it", () => {
    assert.deepEqual(
      checkHelmValues(CHARTS.argoWorkflows.name, CHARTS.argoWorkflows.version, {
        controller: { metricConfig: { enabled: true } },
      }),
      [
        {
          chart: "argo-workflows",
          path: "controller.metricConfig",
          message:
            'the chart has no value "controller.metricConfig"; did you mean controller.metricsConfig?',
        },
      ],
    );
  });

  it("creates the namespace meshed by Linkerd, and it is a valid object", () => {
    const [ns] = ofType(capture, "kubernetes:core/v1:Namespace", devUrn);
    assert.deepEqual(ns.inputs, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "argo", annotations: { "linkerd.io/inject": "enabled" } },
    });
    assert.deepEqual(validateManifest(ns.inputs), []);
    const r = release(devUrn);
    assert.deepEqual(r.propertyDependencies.namespace, [ns.urn]);
  });

  it("sets workflow defaults that are a valid Workflow spec", () => {
    const controller = valuesOf(release(devUrn)).controller as {
      workflowDefaults: { spec: unknown };
    };
    assert.deepEqual(
      validateManifest({
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Workflow",
        metadata: { name: "defaults", namespace: "argo" },
        spec: controller.workflowDefaults.spec,
      }),
      [],
    );
  });

  it("gives the workflow and server service accounts Pod Identity roles for the bucket", async () => {
    // Narrowed to the cluster, namespace and service account (issue 9, finding 15).
    const trust = (serviceAccount: string) => ({
      Effect: "Allow",
      Principal: { Service: "pods.eks.amazonaws.com" },
      Action: ["sts:AssumeRole", "sts:TagSession"],
      Condition: {
        StringEquals: {
          "aws:SourceAccount": MOCK_ACCOUNT_ID,
          "aws:RequestTag/eks-cluster-name": CLUSTER,
          "aws:RequestTag/kubernetes-namespace": "argo",
          "aws:RequestTag/kubernetes-service-account": serviceAccount,
        },
      },
    });
    const expected = {
      workflow: {
        serviceAccount: "argo-workflow",
        grant: JSON.parse(await valueOf(policyDocument(bucket.grantReadWrite()))) as unknown,
      },
      server: {
        serviceAccount: "argo-workflows-server",
        grant: JSON.parse(await valueOf(policyDocument(bucket.grantRead()))) as unknown,
      },
    };
    for (const [child, { serviceAccount, grant }] of Object.entries(expected)) {
      const role = single(capture, "aws:iam/role:Role", `dev-${child}`);
      assert.deepEqual(policyOf(role, "assumeRolePolicy").Statement, [trust(serviceAccount)]);
      const policy = single(capture, "aws:iam/rolePolicy:RolePolicy", `dev-${child}-artifacts`);
      assert.equal(policy.inputs.role, role.id);
      assert.deepEqual(policyOf(policy), grant);
      const association = single(
        capture,
        "aws:eks/podIdentityAssociation:PodIdentityAssociation",
        `dev-${child}`,
      );
      assert.deepEqual(association.inputs, {
        clusterName: CLUSTER,
        namespace: "argo",
        serviceAccount,
        roleArn: role.outputs.arn,
      });
      const r = release(devUrn);
      assert.ok(r.dependencies.includes(association.urn), `release waits for ${child} identity`);
      assert.ok(r.dependencies.includes(policy.urn), `release waits for ${child} grant`);
    }
    assert.equal(ofType(capture, "aws:iam/role:Role", devUrn).length, 2, "no controller role");
  });

  it("adds the steps' grants to the workflow role as a second policy, only when given", async () => {
    const steps = single(capture, "aws:iam/rolePolicy:RolePolicy", "prod-workflow-steps");
    assert.equal(steps.inputs.role, single(capture, "aws:iam/role:Role", "prod-workflow").id);
    assert.deepEqual(policyOf(steps), { Version: "2012-10-17", Statement: STEP_GRANTS });
    assert.ok(release(prodUrn).dependencies.includes(steps.urn), "release waits for the grant");
    assert.deepEqual(
      ofType(capture, "aws:iam/rolePolicy:RolePolicy", devUrn)
        .map((p) => p.name)
        .sort(),
      ["dev-server-artifacts", "dev-workflow-artifacts"],
      "no steps policy without workflowGrants",
    );
  });

  it("waits for the resources it is given, such as the mesh", async () => {
    const linkerdUrn = await valueOf(linkerd.urn);
    assert.ok(release(prodUrn).dependencies.includes(linkerdUrn));
    assert.equal(release(devUrn).dependencies.includes(linkerdUrn), false);
  });

  it("rejects bad arguments with every problem named and registers nothing", async () => {
    const bad = args({
      provider: {} as k8s.Provider,
      namespace: "kube-system",
      clusterName: "",
      artifactBucket: {} as ArtifactBucket,
      sso: {
        issuer: "http://login.example.com",
        clientIdSecretName: "Argo_SSO",
        redirectUrl: "https://argo.example.com/callback",
        scopes: ["open id"],
      },
      archive: true,
      highAvailability: undefined as unknown as boolean,
      serviceMonitor: "yes" as unknown as boolean,
    });
    assert.deepEqual(
      validateArgoWorkflowsArgs(bad).map((e) => e.propertyPath),
      [
        "provider",
        "namespace",
        "clusterName",
        "artifactBucket",
        "sso.issuer",
        "sso.redirectUrl",
        "sso.clientIdSecretName",
        "sso.scopes",
        "archiveDatabase",
        "highAvailability",
        "serviceMonitor",
      ],
    );
    assert.deepEqual(
      validateArgoWorkflowsArgs(
        args({
          archiveDatabase: { ...ARCHIVE_DB, port: 0, credentialsSecretName: "", ttlDays: 0 },
        }),
      ),
      [
        {
          propertyPath: "archiveDatabase",
          reason: "is set but archive is false; remove it or set archive: true",
        },
        {
          propertyPath: "archiveDatabase.port",
          reason: "must be an integer from 1 to 65535; got 0",
        },
        {
          propertyPath: "archiveDatabase.credentialsSecretName",
          reason: '"" is not a Kubernetes Secret name (a DNS subdomain)',
        },
        {
          propertyPath: "archiveDatabase.ttlDays",
          reason: "must be a whole number of days, at least 1; got 0",
        },
      ],
    );
    const before = capture.resources.size;
    assert.throws(
      () => new ArgoWorkflows("bad", bad),
      (e: Error) =>
        pulumi.InputPropertiesError.isInstance(e) &&
        /ArgoWorkflows: 11 invalid arguments/.test(e.message) &&
        /archiveDatabase: is required when archive is true/.test(e.message),
    );
    await capture.settle();
    assert.equal(capture.resources.size, before);
  });
});
