/**
 * Argo Workflows installed for one namespace: the controller and the server from the pinned Helm
 * chart, an S3 artifact repository reached through EKS Pod Identity, controller metrics with a
 * ServiceMonitor, and a Linkerd-meshed namespace.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  type AwsContext,
  CHARTS,
  dependenciesOf,
  DNS_LABEL,
  DNS_LABEL_FORM,
  podIdentityRole,
  policyDocument,
  PolicyStatement,
  RESERVED_NAMESPACES,
  throwIfInvalid,
  ValidationError,
  DNS_SUBDOMAIN,
} from "../lib";
import { ArtifactBucket } from "./artifactBucket";

/**
 * Value paths the chart reads but does not default in values.yaml; `checkHelmValues` accepts them
 * and everything under them. The PDB templates read `minAvailable` (and `maxUnavailable`), which
 * values.yaml shows only in comments (templates/controller/workflow-controller-deployment-pdb.yaml,
 * templates/server/server-deployment-pdb.yaml).
 */
export const ARGO_WORKFLOWS_FREE_FORM_VALUES = [
  "controller.pdb.minAvailable",
  "server.pdb.minAvailable",
] as const;

/** Service accounts the chart creates; each gets an IAM role through Pod Identity. */
export const ARGO_WORKFLOW_SERVICE_ACCOUNT = "argo-workflow";
export const ARGO_SERVER_SERVICE_ACCOUNT = "argo-workflows-server";

/** Kubernetes secret keys the chart's SSO and archive settings read. */
const SSO_CLIENT_ID_KEY = "client-id";
const SSO_CLIENT_SECRET_KEY = "client-secret";

/** Single sign-on for the Argo server (OIDC). */
export interface ArgoSsoArgs {
  /** The OIDC issuer URL (https), e.g. `https://login.example.com/realms/acme`. */
  issuer: string;
  /** The Secret in the Argo namespace that holds the OIDC client ID under the key `client-id`. */
  clientIdSecretName: string;
  /**
   * The Secret that holds the client secret under the key `client-secret`.
   * @default clientIdSecretName
   */
  clientSecretSecretName?: string;
  /** The server's callback URL (https), `<argo-server-url>/oauth2/callback`. */
  redirectUrl: string;
  /**
   * Scopes requested from the identity provider, besides `openid`. `groups` lets service-account
   * RBAC rules match group membership.
   * @default ["groups"]
   */
  scopes?: string[];
}

/** The PostgreSQL database that holds the workflow archive. */
export interface ArgoArchiveDatabaseArgs {
  host: string;
  /** @default 5432 */
  port?: number;
  database: string;
  /** The Secret in the Argo namespace that holds the keys `username` and `password`. */
  credentialsSecretName: string;
  /**
   * TLS to the database. `verify-full` needs the server's CA in the controller image.
   * @default "require"
   */
  sslMode?: "require" | "verify-ca" | "verify-full";
  /**
   * How long archived workflows are kept, in days.
   * @default 30
   */
  ttlDays?: number;
}

/** Arguments of {@link ArgoWorkflows}. */
export interface ArgoWorkflowsArgs extends Pick<AwsContext, "accountId"> {
  /** The provider of the cluster Argo runs in (`EksCluster.kubernetesProvider`). */
  provider: k8s.Provider;
  /**
   * The namespace created for Argo. The controller, the server and every workflow run in it, since
   * the install is namespaced (`singleNamespace`), and it is annotated for Linkerd injection.
   */
  namespace: string;
  /** The EKS cluster name, for the Pod Identity associations. */
  clusterName: pulumi.Input<string>;
  /** The bucket of the default artifact repository. Workflows read and write it; the server reads it. */
  artifactBucket: ArtifactBucket;
  /**
   * Single sign-on. When set, the server accepts SSO only (`authModes: ["sso"]`). When unset, it
   * accepts only clients that bring a Kubernetes bearer token (`["client"]`). The `server` mode,
   * where every request acts as the server's own service account, is never offered.
   */
  sso?: ArgoSsoArgs;
  /**
   * Keep finished workflows in the workflow archive. The archive needs a database: set
   * `archiveDatabase` as well.
   * @default false
   */
  archive?: boolean;
  /** The archive's database; required when `archive` is true, and rejected otherwise. */
  archiveDatabase?: ArgoArchiveDatabaseArgs;
  /**
   * Two controllers (one leads, one stands by) and two servers, each with a disruption budget and
   * spread over Availability Zones.
   */
  highAvailability: boolean;
  /**
   * Create a ServiceMonitor for the controller's metrics. The metrics endpoint is on either way.
   * The chart renders the ServiceMonitor only when the cluster serves `monitoring.coreos.com/v1`,
   * so install the Prometheus Operator CRDs first (see `dependsOn`).
   */
  serviceMonitor: boolean;
  /**
   * Further IAM statements for the workflow pods' role, beyond the artifact bucket: what the
   * steps do (e.g. `Queue.grantProducer()` of the task queue the reference step sends to). They
   * go into a second inline policy, `<name>-workflow-steps`.
   * @default none
   */
  workflowGrants?: PolicyStatement[];
}

const isHttpsUrl = (value: unknown): boolean => {
  if (typeof value !== "string") return false;
  try {
    return new URL(value).protocol === "https:";
  } catch {
    return false;
  }
};

/** Validates {@link ArgoWorkflowsArgs}; returns every problem. */
export function validateArgoWorkflowsArgs(args: ArgoWorkflowsArgs): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });
  const secretName = (path: string, value: unknown) => {
    if (typeof value !== "string" || !DNS_SUBDOMAIN.test(value)) {
      add(path, `"${String(value)}" is not a Kubernetes Secret name (a DNS subdomain)`);
    }
  };

  if (!(args.provider instanceof k8s.Provider)) {
    add(
      "provider",
      "must be a kubernetes Provider for the target cluster (EksCluster.kubernetesProvider)",
    );
  }
  if (typeof args.namespace !== "string" || !DNS_LABEL.test(args.namespace)) {
    add("namespace", `"${String(args.namespace)}" is not a namespace name; use ${DNS_LABEL_FORM}`);
  } else if (RESERVED_NAMESPACES.includes(args.namespace)) {
    add("namespace", `"${args.namespace}" is shared by the cluster; give Argo its own namespace`);
  }
  if (typeof args.clusterName === "string" && args.clusterName.trim() === "") {
    add("clusterName", "must not be empty");
  }
  if (!(args.artifactBucket instanceof ArtifactBucket)) {
    add("artifactBucket", "must be an ArtifactBucket (its grants and Region are used)");
  }
  if (args.sso !== undefined) {
    const sso = args.sso;
    if (!isHttpsUrl(sso.issuer)) {
      add("sso.issuer", `"${String(sso.issuer)}" is not an https URL`);
    }
    if (!isHttpsUrl(sso.redirectUrl) || !String(sso.redirectUrl).endsWith("/oauth2/callback")) {
      add(
        "sso.redirectUrl",
        `"${String(sso.redirectUrl)}" must be an https URL ending in /oauth2/callback`,
      );
    }
    secretName("sso.clientIdSecretName", sso.clientIdSecretName);
    if (sso.clientSecretSecretName !== undefined) {
      secretName("sso.clientSecretSecretName", sso.clientSecretSecretName);
    }
    if (
      sso.scopes !== undefined &&
      (!Array.isArray(sso.scopes) ||
        sso.scopes.some((s) => typeof s !== "string" || !/^\S+$/.test(s)))
    ) {
      add("sso.scopes", "must be a list of scope names without spaces");
    }
  }
  const archive = args.archive ?? false;
  if (typeof archive !== "boolean") {
    add("archive", "must be true or false");
  }
  if (archive === true && args.archiveDatabase === undefined) {
    add(
      "archiveDatabase",
      "is required when archive is true; the workflow archive is kept in PostgreSQL",
    );
  }
  if (archive !== true && args.archiveDatabase !== undefined) {
    add("archiveDatabase", "is set but archive is false; remove it or set archive: true");
  }
  if (args.archiveDatabase !== undefined) {
    const db = args.archiveDatabase;
    if (typeof db.host !== "string" || db.host.trim() === "") {
      add("archiveDatabase.host", "must be the database host name");
    }
    const port = db.port ?? 5432;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      add("archiveDatabase.port", `must be an integer from 1 to 65535; got ${port}`);
    }
    if (typeof db.database !== "string" || db.database.trim() === "") {
      add("archiveDatabase.database", "must be the database name");
    }
    secretName("archiveDatabase.credentialsSecretName", db.credentialsSecretName);
    const ttl = db.ttlDays ?? 30;
    if (!Number.isInteger(ttl) || ttl < 1) {
      add("archiveDatabase.ttlDays", `must be a whole number of days, at least 1; got ${ttl}`);
    }
  }
  if (typeof args.highAvailability !== "boolean") {
    add("highAvailability", "must be true or false");
  }
  if (typeof args.serviceMonitor !== "boolean") {
    add("serviceMonitor", "must be true or false");
  }
  return errors;
}

/** A zone spread for one of the chart's deployments; the chart adds the label selector. */
const ZONE_SPREAD = [
  {
    maxSkew: 1,
    topologyKey: "topology.kubernetes.io/zone",
    // Prefer other zones, but still schedule when a zone has no room (a zone outage).
    whenUnsatisfiable: "ScheduleAnyway",
  },
];

/** What {@link argoWorkflowsValues} needs besides the component arguments. */
export interface ArgoWorkflowsValuesInputs {
  namespace: string;
  bucketName: pulumi.Input<string>;
  region: string;
  kmsKeyArn: pulumi.Input<string>;
  sso?: ArgoSsoArgs;
  archiveDatabase?: ArgoArchiveDatabaseArgs;
  highAvailability: boolean;
  serviceMonitor: boolean;
}

/** The Helm values of the release (exported so tests check them against the chart). */
export function argoWorkflowsValues(v: ArgoWorkflowsValuesInputs): Record<string, unknown> {
  const ha = v.highAvailability;
  const replicas = ha ? { replicas: 2, pdb: { enabled: true, minAvailable: 1 } } : { replicas: 1 };
  const spread = ha ? { topologySpreadConstraints: ZONE_SPREAD } : {};
  const db = v.archiveDatabase;
  const sso = v.sso;

  return {
    // Tags are pinned by the chart (appVersion), so a node's cached image is the right one.
    images: { pullPolicy: "IfNotPresent" },
    // Roles instead of ClusterRoles, and `--namespaced` for the controller and the server: Argo
    // sees only its own namespace.
    singleNamespace: true,
    controller: {
      // Read only when singleNamespace is false; set so the intent survives a switch.
      workflowNamespaces: [v.namespace],
      metricsConfig: { enabled: true },
      serviceMonitor: { enabled: v.serviceMonitor },
      // Workflows that name no service account run as the one with the artifact grant.
      workflowDefaults: { spec: { serviceAccountName: ARGO_WORKFLOW_SERVICE_ACCOUNT } },
      logging: { format: "json" },
      resources: {
        requests: { cpu: "100m", memory: "256Mi" },
        limits: { memory: "1Gi" },
      },
      ...replicas,
      ...spread,
      ...(db
        ? {
            persistence: {
              archive: true,
              archiveTTL: `${db.ttlDays ?? 30}d`,
              postgresql: {
                host: db.host,
                port: db.port ?? 5432,
                database: db.database,
                tableName: "argo_workflows",
                userNameSecret: { name: db.credentialsSecretName, key: "username" },
                passwordSecret: { name: db.credentialsSecretName, key: "password" },
                ssl: true,
                sslMode: db.sslMode ?? "require",
              },
            },
          }
        : {}),
    },
    server: {
      enabled: true,
      // Never "server": that mode lets every request act as the server's service account.
      authModes: sso ? ["sso"] : ["client"],
      // TLS on the server itself, so bearer tokens are never in plain text, not even on a
      // `kubectl port-forward`, which bypasses the mesh.
      secure: true,
      serviceAccount: { name: ARGO_SERVER_SERVICE_ACCOUNT },
      logging: { format: "json" },
      resources: {
        requests: { cpu: "50m", memory: "128Mi" },
        limits: { memory: "512Mi" },
      },
      ...replicas,
      ...spread,
      ...(sso
        ? {
            sso: {
              enabled: true,
              issuer: sso.issuer,
              clientId: { name: sso.clientIdSecretName, key: SSO_CLIENT_ID_KEY },
              clientSecret: {
                name: sso.clientSecretSecretName ?? sso.clientIdSecretName,
                key: SSO_CLIENT_SECRET_KEY,
              },
              redirectUrl: sso.redirectUrl,
              // Users get the rights of the service account their claims match, not the server's.
              rbac: { enabled: true },
              scopes: sso.scopes ?? ["groups"],
            },
          }
        : {}),
    },
    workflow: {
      serviceAccount: { create: true, name: ARGO_WORKFLOW_SERVICE_ACCOUNT },
    },
    // No access keys in Secrets: pods get credentials from Pod Identity through the SDK chain.
    useStaticCredentials: false,
    artifactRepository: {
      // Keep each step's main-container log beside its artifacts, so it outlives the pod.
      archiveLogs: true,
      s3: {
        bucket: v.bucketName,
        region: v.region,
        endpoint: "s3.amazonaws.com",
        insecure: false,
        useSDKCreds: true,
        encryptionOptions: { enableEncryption: true, kmsKeyId: v.kmsKeyArn },
      },
    },
  };
}

/**
 * Argo Workflows in its own namespace.
 *
 * - The namespace is annotated `linkerd.io/inject: enabled`, so the controller, the server and
 *   every workflow pod get a Linkerd proxy. Workflow pods still finish: the pinned Linkerd chart
 *   runs the proxy as a native sidecar, which the kubelet stops when the main containers exit.
 * - The workflow service account and the server's service account each get an IAM role through
 *   EKS Pod Identity. Workflows read and write the artifact bucket; the server only reads it, to
 *   show artifacts and archived logs. The controller needs no AWS access.
 * - Artifacts go to the bucket with SSE-KMS on the data key, requested explicitly by Argo and
 *   matching the bucket's default and policy.
 */
export class ArgoWorkflows extends pulumi.ComponentResource {
  public readonly namespace: pulumi.Output<string>;
  public readonly release: k8s.helm.v3.Release;
  public readonly workflowRole: aws.iam.Role;
  public readonly serverRole: aws.iam.Role;
  public readonly workflowServiceAccountName: string;
  public readonly serverServiceAccountName: string;

  constructor(name: string, args: ArgoWorkflowsArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): a bad argument must fail before anything, the component included, registers.
    throwIfInvalid("ArgoWorkflows", validateArgoWorkflowsArgs(args));
    super("acme:workflows:ArgoWorkflows", name, {}, opts);
    // Waits for opts.dependsOn (the convention in components/lib/options.ts).
    const deps = dependenciesOf(opts);

    const bucket = args.artifactBucket;
    this.workflowServiceAccountName = ARGO_WORKFLOW_SERVICE_ACCOUNT;
    this.serverServiceAccountName = ARGO_SERVER_SERVICE_ACCOUNT;

    const namespace = new k8s.core.v1.Namespace(
      name,
      {
        metadata: {
          name: args.namespace,
          annotations: { "linkerd.io/inject": "enabled" },
        },
      },
      { parent: this, provider: args.provider },
    );

    const podIdentity = (
      child: string,
      serviceAccount: string,
      description: string,
      grant: PolicyStatement[],
      steps: PolicyStatement[] = [],
    ) => {
      return podIdentityRole(
        `${name}-${child}`,
        {
          description: pulumi.interpolate`${description} (${args.clusterName}/${args.namespace})`,
          accountId: args.accountId,
          clusterName: args.clusterName,
          namespace: args.namespace,
          serviceAccount,
          inlinePolicies: {
            [`${name}-${child}-artifacts`]: policyDocument(grant),
            ...(steps.length > 0 ? { [`${name}-${child}-steps`]: policyDocument(steps) } : {}),
          },
        },
        { parent: this },
      );
    };
    const workflow = podIdentity(
      "workflow",
      ARGO_WORKFLOW_SERVICE_ACCOUNT,
      "Argo workflow pods",
      bucket.grantReadWrite(),
      args.workflowGrants,
    );
    const server = podIdentity(
      "server",
      ARGO_SERVER_SERVICE_ACCOUNT,
      "Argo server",
      bucket.grantRead(),
    );
    this.workflowRole = workflow.role;
    this.serverRole = server.role;

    this.release = new k8s.helm.v3.Release(
      name,
      {
        name: CHARTS.argoWorkflows.name,
        chart: CHARTS.argoWorkflows.name,
        version: CHARTS.argoWorkflows.version,
        repositoryOpts: { repo: CHARTS.argoWorkflows.repo },
        namespace: namespace.metadata.name,
        values: argoWorkflowsValues({
          namespace: args.namespace,
          bucketName: bucket.bucketName,
          region: bucket.region,
          kmsKeyArn: bucket.kmsKeyArn,
          sso: args.sso,
          archiveDatabase: args.archiveDatabase,
          highAvailability: args.highAvailability,
          serviceMonitor: args.serviceMonitor,
        }),
      },
      {
        parent: this,
        provider: args.provider,
        // Pods get Pod Identity credentials only if their association existed when they started.
        dependsOn: [...workflow.ready, ...server.ready, ...deps],
      },
    );

    this.namespace = namespace.metadata.name;
    this.registerOutputs({
      namespace: this.namespace,
      workflowRoleArn: this.workflowRole.arn,
      serverRoleArn: this.serverRole.arn,
      workflowServiceAccountName: this.workflowServiceAccountName,
      serverServiceAccountName: this.serverServiceAccountName,
    });
  }
}
