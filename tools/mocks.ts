/**
 * Pulumi mocks that behave like the AWS and Kubernetes providers closely enough for an offline
 * plan, and a capture of every resource registration the program makes.
 *
 * - `newResource` returns realistic IDs and ARNs per resource type (deterministic: the same
 *   program gives the same plan), and the computed outputs the program reads (cluster endpoint,
 *   OIDC issuer, ...).
 * - `call` answers only the invokes listed in `INVOKES`; any other invoke fails with its token
 *   named, so an unmocked lookup can never return a silent empty answer.
 * - `captureRegistrations` wraps the mock monitor's `registerResource` and records the full
 *   request (parent, dependencies, provider, options, inputs) and response (URN, ID, outputs).
 *   `settle()` waits until every outstanding RPC, including those started inside `apply`, is done.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/** The account the offline plan pretends to run in (the AWS documentation's example account). */
export const MOCK_ACCOUNT_ID = "111122223333";

/** What the mocks need to know about the stack they pretend to deploy. */
export interface MockContext {
  accountId: string;
  region: string;
}

function hex(seed: string, length: number): string {
  let out = "";
  for (let i = 0; out.length < length; i++) {
    out += createHash("sha256").update(`${seed}#${i}`).digest("hex");
  }
  return out.slice(0, length);
}

function uuid(seed: string): string {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Pulumi auto-naming: `<logical name>-<7 hex>`. */
function autoName(name: string, seed: string): string {
  return `${name}-${hex(seed, 7)}`;
}

/** Lower-case letters only, as in the middle label of ACM's validation record values. */
function letters(seed: string, length: number): string {
  return [...hex(seed, length)]
    .map((c) => String.fromCharCode(97 + (parseInt(c, 16) % 26)))
    .join("");
}

/** The ID of a REST API's resource at `path`; the root's is the API's `rootResourceId`. */
function apiResourceId(restApiId: string, path: string): string {
  return hex(`apigateway-resource::${restApiId}::${path}`, 10);
}

/**
 * The resource paths an OpenAPI import creates: each path of the document and every path above
 * it (API Gateway builds the tree), and the root.
 */
function importedResourcePaths(body: unknown): Set<string> {
  const paths = new Set(["/"]);
  if (typeof body !== "string") return paths;
  let document: { paths?: Record<string, unknown> };
  try {
    document = JSON.parse(body) as typeof document;
  } catch {
    return paths;
  }
  for (const p of Object.keys(document.paths ?? {})) {
    const parts = p.split("/").filter((x) => x !== "");
    for (let i = 1; i <= parts.length; i++) paths.add(`/${parts.slice(0, i).join("/")}`);
  }
  return paths;
}

type State = Record<string, unknown>;

/** Per-type output shapes: id and the computed attributes the AWS provider returns. */
function awsState(
  type: string,
  name: string,
  inputs: State,
  ctx: MockContext,
): { id: string; state: State } {
  const seed = `${type}::${name}`;
  const { accountId: acct, region } = ctx;
  const arn = (service: string, resource: string, regional = true) =>
    `arn:aws:${service}:${regional ? region : ""}:${acct}:${resource}`;
  const ec2 = (prefix: string, kind: string): { id: string; state: State } => {
    const id = `${prefix}-${hex(seed, 17)}`;
    return { id, state: { ...inputs, arn: arn("ec2", `${kind}/${id}`), ownerId: acct } };
  };
  const named = (key: string) => (inputs[key] as string | undefined) ?? autoName(name, seed);

  switch (type) {
    case "aws:ec2/vpc:Vpc": {
      const r = ec2("vpc", "vpc");
      r.state.defaultSecurityGroupId = `sg-${hex(seed + "sg", 17)}`;
      r.state.mainRouteTableId = `rtb-${hex(seed + "rtb", 17)}`;
      r.state.defaultNetworkAclId = `acl-${hex(seed + "acl", 17)}`;
      return r;
    }
    case "aws:ec2/subnet:Subnet":
      return ec2("subnet", "subnet");
    case "aws:ec2/internetGateway:InternetGateway":
      return ec2("igw", "internet-gateway");
    case "aws:ec2/eip:Eip": {
      const id = `eipalloc-${hex(seed, 17)}`;
      const n = parseInt(hex(seed, 4), 16);
      return {
        id,
        state: {
          ...inputs,
          allocationId: id,
          publicIp: `198.51.100.${n % 250}`,
          arn: arn("ec2", `elastic-ip/${id}`),
        },
      };
    }
    case "aws:ec2/natGateway:NatGateway":
      return ec2("nat", "natgateway");
    case "aws:ec2/routeTable:RouteTable":
      return ec2("rtb", "route-table");
    case "aws:ec2/route:Route":
      return { id: `r-${hex(seed, 17)}`, state: { ...inputs } };
    case "aws:ec2/routeTableAssociation:RouteTableAssociation":
      return { id: `rtbassoc-${hex(seed, 17)}`, state: { ...inputs } };
    case "aws:ec2/securityGroup:SecurityGroup": {
      const r = ec2("sg", "security-group");
      r.state.name = named("name");
      return r;
    }
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
    case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
      return ec2("sgr", "security-group-rule");
    case "aws:ec2/vpcEndpoint:VpcEndpoint": {
      const r = ec2("vpce", "vpc-endpoint");
      r.state.dnsEntries = [
        { dnsName: `${r.id}.${String(inputs.serviceName ?? "")}`, hostedZoneId: "Z7HUB22UULQXV" },
      ];
      return r;
    }
    case "aws:ec2/flowLog:FlowLog":
      return ec2("fl", "vpc-flow-log");
    case "aws:ec2/launchTemplate:LaunchTemplate": {
      const r = ec2("lt", "launch-template");
      r.state.name = named("name");
      r.state.latestVersion = 1;
      r.state.defaultVersion = 1;
      return r;
    }
    case "aws:s3/bucket:Bucket": {
      // The bucket name is the ID and is global, so S3 ARNs carry neither Region nor account.
      const bucket = named("bucket");
      return {
        id: bucket,
        state: {
          ...inputs,
          bucket,
          arn: `arn:aws:s3:::${bucket}`,
          bucketDomainName: `${bucket}.s3.amazonaws.com`,
          bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`,
          region,
        },
      };
    }
    case "aws:kms/key:Key": {
      const id = uuid(seed);
      return { id, state: { ...inputs, keyId: id, arn: arn("kms", `key/${id}`) } };
    }
    case "aws:kms/alias:Alias": {
      const aliasName = named("name");
      return { id: aliasName, state: { ...inputs, name: aliasName, arn: arn("kms", aliasName) } };
    }
    case "aws:cloudwatch/logGroup:LogGroup": {
      const lg = named("name");
      return { id: lg, state: { ...inputs, name: lg, arn: arn("logs", `log-group:${lg}`) } };
    }
    case "aws:ecr/repository:Repository": {
      // ECR repository names are lower case; the URL is what `docker push` and pods use.
      const repo = named("name").toLowerCase();
      return {
        id: repo,
        state: {
          ...inputs,
          name: repo,
          arn: arn("ecr", `repository/${repo}`),
          registryId: acct,
          repositoryUrl: `${acct}.dkr.ecr.${region}.amazonaws.com/${repo}`,
        },
      };
    }
    case "aws:codebuild/project:Project": {
      const project = named("name");
      return {
        id: project,
        state: { ...inputs, name: project, arn: arn("codebuild", `project/${project}`) },
      };
    }
    case "aws:codebuild/webhook:Webhook":
      // GitHub webhooks made through a connection: CodeBuild creates the repository webhook
      // itself and never returns its secret.
      return {
        id: String(inputs.projectName),
        state: {
          ...inputs,
          payloadUrl: `https://codebuild.${region}.amazonaws.com/webhooks`,
          url: "",
          secret: "",
        },
      };
    case "aws:iam/role:Role": {
      const role = named("name");
      return {
        id: role,
        state: {
          ...inputs,
          name: role,
          arn: arn("iam", `role/${role}`, false),
          uniqueId: `AROA${hex(seed, 17).toUpperCase()}`,
        },
      };
    }
    case "aws:iam/policy:Policy": {
      const policy = named("name");
      return {
        id: arn("iam", `policy/${policy}`, false),
        state: { ...inputs, name: policy, arn: arn("iam", `policy/${policy}`, false) },
      };
    }
    case "aws:iam/rolePolicy:RolePolicy":
      return {
        id: `${String(inputs.role)}:${named("name")}`,
        state: { ...inputs, name: named("name") },
      };
    case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
      return { id: autoName(name, seed), state: { ...inputs } };
    case "aws:iam/openIdConnectProvider:OpenIdConnectProvider": {
      const host = String(inputs.url ?? "").replace(/^https:\/\//, "");
      return {
        id: arn("iam", `oidc-provider/${host}`, false),
        state: { ...inputs, arn: arn("iam", `oidc-provider/${host}`, false) },
      };
    }
    case "aws:eks/cluster:Cluster": {
      const cluster = named("name");
      const oidcId = hex(seed + "oidc", 32).toUpperCase();
      const vpcConfig = (inputs.vpcConfig as State | undefined) ?? {};
      return {
        id: cluster,
        state: {
          ...inputs,
          name: cluster,
          arn: arn("eks", `cluster/${cluster}`),
          endpoint: `https://${hex(seed, 32).toUpperCase()}.gr7.${region}.eks.amazonaws.com`,
          certificateAuthority: {
            data: Buffer.from(`offline-plan-ca-${cluster}`).toString("base64"),
          },
          identities: [
            { oidcs: [{ issuer: `https://oidc.eks.${region}.amazonaws.com/id/${oidcId}` }] },
          ],
          vpcConfig: {
            ...vpcConfig,
            clusterSecurityGroupId: `sg-${hex(seed + "csg", 17)}`,
            vpcId: `vpc-${hex(seed + "vpc", 17)}`,
          },
          // Unset, EKS picks 172.20.0.0/16 when the VPC is in 10.0.0.0/8 (every stack's is), else
          // 10.100.0.0/16 (EKS API CreateCluster, KubernetesNetworkConfigRequest.serviceIpv4Cidr).
          kubernetesNetworkConfig: {
            ipFamily: "ipv4",
            serviceIpv4Cidr: "172.20.0.0/16",
            ...((inputs.kubernetesNetworkConfig as State | undefined) ?? {}),
          },
          platformVersion: "eks.1",
          status: "ACTIVE",
        },
      };
    }
    case "aws:eks/nodeGroup:NodeGroup": {
      const ng = named("nodeGroupName");
      return {
        id: `${String(inputs.clusterName)}:${ng}`,
        state: {
          ...inputs,
          nodeGroupName: ng,
          arn: arn("eks", `nodegroup/${String(inputs.clusterName)}/${ng}/${uuid(seed)}`),
          status: "ACTIVE",
        },
      };
    }
    case "aws:eks/addon:Addon":
      return {
        id: `${String(inputs.clusterName)}:${String(inputs.addonName)}`,
        state: {
          ...inputs,
          arn: arn(
            "eks",
            `addon/${String(inputs.clusterName)}/${String(inputs.addonName)}/${uuid(seed)}`,
          ),
        },
      };
    case "aws:eks/accessEntry:AccessEntry":
      return {
        id: `${String(inputs.clusterName)}:${String(inputs.principalArn)}`,
        state: {
          ...inputs,
          accessEntryArn: arn("eks", `access-entry/${String(inputs.clusterName)}/${uuid(seed)}`),
        },
      };
    case "aws:eks/accessPolicyAssociation:AccessPolicyAssociation":
      return {
        id: `${String(inputs.clusterName)}#${String(inputs.principalArn)}#${String(inputs.policyArn)}`,
        state: { ...inputs },
      };
    case "aws:eks/podIdentityAssociation:PodIdentityAssociation":
      return {
        id: `a-${hex(seed, 17)}`,
        state: {
          ...inputs,
          associationArn: arn(
            "eks",
            `podidentityassociation/${String(inputs.clusterName)}/a-${hex(seed, 17)}`,
          ),
        },
      };
    case "aws:sqs/queue:Queue": {
      const fifo = inputs.fifoQueue === true;
      const queue =
        (inputs.name as string | undefined) ?? `${autoName(name, seed)}${fifo ? ".fifo" : ""}`;
      const url = `https://sqs.${region}.amazonaws.com/${acct}/${queue}`;
      return { id: url, state: { ...inputs, name: queue, url, arn: arn("sqs", queue) } };
    }
    case "aws:sqs/queuePolicy:QueuePolicy":
    case "aws:sqs/redrivePolicy:RedrivePolicy":
    case "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy":
      return { id: String(inputs.queueUrl), state: { ...inputs } };
    case "aws:sfn/stateMachine:StateMachine": {
      // A state machine's ARN names it with a colon; its ID is the ARN.
      const machine =
        (inputs.name as string | undefined) ??
        `${String(inputs.namePrefix ?? `${name}-`)}${hex(seed, 7)}`;
      const smArn = arn("states", `stateMachine:${machine}`);
      return { id: smArn, state: { ...inputs, name: machine, arn: smArn, status: "ACTIVE" } };
    }
    case "aws:ecs/cluster:Cluster": {
      const clusterName = named("name");
      const clusterArn = arn("ecs", `cluster/${clusterName}`);
      return { id: clusterArn, state: { ...inputs, name: clusterName, arn: clusterArn } };
    }
    case "aws:ecs/taskDefinition:TaskDefinition": {
      // Each registration is a new revision; a plan registers the first.
      const family = String(inputs.family);
      const tdArn = arn("ecs", `task-definition/${family}:1`);
      return {
        id: family,
        state: {
          ...inputs,
          arn: tdArn,
          arnWithoutRevision: arn("ecs", `task-definition/${family}`),
          revision: 1,
        },
      };
    }
    case "aws:pipes/pipe:Pipe": {
      const pipeName =
        (inputs.name as string | undefined) ??
        `${String(inputs.namePrefix ?? `${name}-`)}${hex(seed, 7)}`;
      return {
        id: pipeName,
        state: { ...inputs, name: pipeName, arn: arn("pipes", `pipe/${pipeName}`) },
      };
    }
    case "aws:sns/topic:Topic": {
      // SNS identifies a topic by its ARN: the provider's ID is the ARN.
      const fifo = inputs.fifoTopic === true;
      const topic =
        (inputs.name as string | undefined) ?? `${autoName(name, seed)}${fifo ? ".fifo" : ""}`;
      const topicArn = arn("sns", topic);
      return { id: topicArn, state: { ...inputs, name: topic, arn: topicArn } };
    }
    case "aws:dynamodb/table:Table": {
      const table = (inputs.name as string | undefined) ?? autoName(name, seed);
      return {
        id: table,
        state: { ...inputs, name: table, arn: arn("dynamodb", `table/${table}`) },
      };
    }
    case "aws:msk/cluster:Cluster": {
      const cluster = String(inputs.clusterName ?? autoName(name, seed));
      const clusterArn = arn("kafka", `cluster/${cluster}/${uuid(seed)}-2`);
      const brokers = Number(inputs.numberOfBrokerNodes ?? 3);
      const host = (i: number) =>
        `b-${i}.${cluster}.${hex(seed, 6)}.c2.kafka.${region}.amazonaws.com`;
      const list = (port: number) =>
        Array.from({ length: brokers }, (_, i) => `${host(i + 1)}:${port}`).join(",");
      return {
        id: clusterArn,
        state: {
          ...inputs,
          arn: clusterArn,
          clusterUuid: `${uuid(seed)}-2`,
          currentVersion: `K${hex(seed, 13).toUpperCase()}`,
          bootstrapBrokersSaslIam: list(9098),
          bootstrapBrokersTls: list(9094),
          zookeeperConnectStringTls: "",
        },
      };
    }
    case "aws:msk/configuration:Configuration": {
      const config = String(inputs.name ?? autoName(name, seed));
      return {
        id: arn("kafka", `configuration/${config}/${uuid(seed)}-2`),
        state: {
          ...inputs,
          name: config,
          arn: arn("kafka", `configuration/${config}/${uuid(seed)}-2`),
          latestRevision: 1,
        },
      };
    }
    case "aws:apigateway/restApi:RestApi": {
      // API Gateway ids: 10 lower-case letters and digits.
      const id = hex(seed, 10);
      return {
        id,
        state: {
          ...inputs,
          // Auto-named like any named resource (the CloudWatch ApiName dimension reads it).
          name: named("name"),
          arn: `arn:aws:apigateway:${region}::/restapis/${id}`,
          executionArn: arn("execute-api", id),
          rootResourceId: apiResourceId(id, "/"),
        },
      };
    }
    case "aws:apigateway/stage:Stage": {
      const restApi = String(inputs.restApi);
      const stage = String(inputs.stageName);
      return {
        id: `ags-${restApi}-${stage}`,
        state: {
          ...inputs,
          arn: `arn:aws:apigateway:${region}::/restapis/${restApi}/stages/${stage}`,
          executionArn: arn("execute-api", `${restApi}/${stage}`),
          invokeUrl: `https://${restApi}.execute-api.${region}.amazonaws.com/${stage}`,
        },
      };
    }
    case "aws:wafv2/webAcl:WebAcl": {
      const id = uuid(seed);
      const acl = named("name");
      // CloudFront web ACLs live in us-east-1, whatever the stack's Region.
      const global = inputs.scope === "CLOUDFRONT";
      const aclArn = `arn:aws:wafv2:${global ? "us-east-1" : region}:${acct}:${global ? "global" : "regional"}/webacl/${acl}/${id}`;
      return { id, state: { ...inputs, name: acl, arn: aclArn } };
    }
    case "aws:acm/certificate:Certificate": {
      // DNS validation: one CNAME per name on the certificate, as ACM answers it.
      // A wildcard and its base name share one record, as ACM answers them.
      const names = [inputs.domainName, ...((inputs.subjectAlternativeNames as unknown[]) ?? [])]
        .map(String)
        .filter((n, i, all) => all.indexOf(n) === i);
      const id = arn("acm", `certificate/${uuid(seed)}`);
      return {
        id,
        state: {
          ...inputs,
          arn: id,
          status: "PENDING_VALIDATION",
          domainValidationOptions: names.map((domainName) => {
            const base = domainName.replace(/^\*\./, "");
            return {
              domainName,
              resourceRecordName: `_${hex(`${seed}::${base}`, 32)}.${base}.`,
              resourceRecordType: "CNAME",
              resourceRecordValue: `_${hex(`${seed}::${base}::value`, 32)}.${letters(`${seed}::${base}`, 10)}.acm-validations.aws.`,
            };
          }),
        },
      };
    }
    default: {
      // Any other AWS resource: a stable ID and, where the resource has one, an ARN-like value.
      // An `arn` input names another resource (aws.sns.TopicPolicy's topic) and stays as given.
      const id = autoName(name, seed);
      const [, mod] = type.split(":");
      return { id, state: { ...inputs, arn: inputs.arn ?? arn(mod.split("/")[0], id) } };
    }
  }
}

function kubernetesState(type: string, name: string, inputs: State): { id: string; state: State } {
  const metadata = { ...((inputs.metadata as State | undefined) ?? {}) };
  if (!metadata.name) metadata.name = autoName(name, `${type}::${name}`);
  metadata.uid = uuid(`${type}::${name}`);
  const namespaced = metadata.namespace ? `${String(metadata.namespace)}/` : "";
  return { id: `${namespaced}${String(metadata.name)}`, state: { ...inputs, metadata } };
}

/**
 * The issue time of mocked certificates: fixed, so plans are reproducible.
 * @internal Exported for tests only.
 */
export const MOCK_CERT_ISSUED_AT = Date.parse("2026-01-01T00:00:00Z");

/** @pulumi/tls outputs: PEM-shaped keys and certificates, validity from the requested period. */
function tlsState(type: string, name: string, inputs: State): { id: string; state: State } {
  const seed = `${type}::${name}`;
  const pem = (label: string) =>
    `-----BEGIN ${label}-----\n${Buffer.from(hex(seed + label, 48)).toString("base64")}\n-----END ${label}-----\n`;
  switch (type) {
    case "tls:index/privateKey:PrivateKey":
      return {
        id: hex(seed, 40),
        state: {
          ...inputs,
          privateKeyPem: pem("EC PRIVATE KEY"),
          privateKeyPemPkcs8: pem("PRIVATE KEY"),
          publicKeyPem: pem("PUBLIC KEY"),
        },
      };
    case "tls:index/selfSignedCert:SelfSignedCert":
    case "tls:index/locallySignedCert:LocallySignedCert": {
      const hours = Number(inputs.validityPeriodHours ?? 0);
      return {
        id: String(BigInt(`0x${hex(seed, 16)}`)),
        state: {
          ...inputs,
          certPem: pem("CERTIFICATE"),
          validityStartTime: new Date(MOCK_CERT_ISSUED_AT).toISOString(),
          validityEndTime: new Date(MOCK_CERT_ISSUED_AT + hours * 3_600_000).toISOString(),
        },
      };
    }
    default:
      return { id: hex(seed, 40), state: inputs };
  }
}

/**
 * Invokes the program makes on purpose, with the answers AWS would give. `restApis` holds the
 * resource paths of each REST API created so far (by ID), which `getResource` looks paths up in.
 */
export function invokeMocks(
  ctx: MockContext,
  restApis: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
): Record<string, (inputs: State) => State> {
  return {
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
      accountId: ctx.accountId,
      arn: `arn:aws:iam::${ctx.accountId}:user/offline-plan`,
      userId: "AIDAOFFLINEPLANUSER0",
      id: ctx.accountId,
    }),
    "aws:index/getPartition:getPartition": () => ({
      partition: "aws",
      dnsSuffix: "amazonaws.com",
      reverseDnsPrefix: "com.amazonaws",
      id: "aws",
    }),
    "aws:index/getRegion:getRegion": () => ({
      name: ctx.region,
      region: ctx.region,
      id: ctx.region,
      endpoint: `ec2.${ctx.region}.amazonaws.com`,
      description: ctx.region,
    }),
    // A placeholder token: the offline plan pushes nothing.
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": (inputs) => {
      const registry = (inputs.registryId as string | undefined) ?? ctx.accountId;
      const password = hex(`ecr-token::${registry}`, 32);
      return {
        id: ctx.region,
        registryId: registry,
        userName: "AWS",
        password,
        authorizationToken: Buffer.from(`AWS:${password}`).toString("base64"),
        proxyEndpoint: `https://${registry}.dkr.ecr.${ctx.region}.amazonaws.com`,
        expiresAt: "2026-01-01T12:00:00Z",
      };
    },
    // A REST API's resource by path, as its OpenAPI import created it; a path the document
    // does not have fails, as the provider's lookup does.
    "aws:apigateway/getResource:getResource": (inputs) => {
      const restApiId = String(inputs.restApiId);
      const path = String(inputs.path);
      if (!restApis.get(restApiId)?.has(path)) {
        const message = `no Resource found matching path (${path}) in REST API (${restApiId})`;
        throw Object.assign(new Error(message), { details: message });
      }
      const parent = path === "/" ? undefined : path.slice(0, path.lastIndexOf("/")) || "/";
      return {
        id: apiResourceId(restApiId, path),
        restApiId,
        path,
        pathPart: path === "/" ? "" : path.slice(path.lastIndexOf("/") + 1),
        ...(parent === undefined ? {} : { parentId: apiResourceId(restApiId, parent) }),
      };
    },
    "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
      id: ctx.region,
      names: ["a", "b", "c", "d"].map((s) => `${ctx.region}${s}`),
      zoneIds: [1, 2, 3, 4].map((n) => `${ctx.region.replace(/-/g, "").slice(0, 4)}-az${n}`),
      groupNames: [ctx.region],
      state: "available",
    }),
  };
}

/** Mocks for the offline plan and the component tests. */
export class PlatformMocks implements pulumi.runtime.Mocks {
  private readonly invokes: Record<string, (inputs: State) => State>;
  /** Every invoke token the program called, in order. */
  public readonly calls: string[] = [];

  /** The resource paths of each REST API created so far, by ID (its OpenAPI body's paths). */
  private readonly restApis = new Map<string, Set<string>>();

  constructor(private readonly ctx: MockContext) {
    this.invokes = invokeMocks(ctx, this.restApis);
  }

  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    const inputs = (args.inputs ?? {}) as State;
    if (args.type.startsWith("pulumi:providers:")) {
      return { id: uuid(`${args.type}::${args.name}`), state: inputs };
    }
    if (args.type.startsWith("aws:")) {
      const result = awsState(args.type, args.name, inputs, this.ctx);
      if (args.type === "aws:apigateway/restApi:RestApi") {
        this.restApis.set(result.id, importedResourcePaths(inputs.body));
      }
      return result;
    }
    if (args.type.startsWith("kubernetes:")) return kubernetesState(args.type, args.name, inputs);
    if (args.type.startsWith("tls:")) return tlsState(args.type, args.name, inputs);
    if (args.type === "docker-build:index:Image") {
      // A pushed build has the registry's manifest digest, and `ref` is its first tag with that
      // digest (`<repository>:<tag>@sha256:...`); an unexported build has no digest, `ref` a tag.
      const pushed = inputs.push === true || ((inputs.exports as unknown[]) ?? []).length > 0;
      const digest = pushed ? `sha256:${hex(`${args.type}::${args.name}`, 64)}` : "";
      const tags = (inputs.tags as string[] | undefined) ?? [];
      const ref = tags.length === 0 ? "" : pushed ? `${tags[0]}@${digest}` : tags[0];
      return {
        id: autoName(args.name, `${args.type}::${args.name}`),
        state: { ...inputs, digest, ref, contextHash: hex(`${args.name}#context`, 64) },
      };
    }
    if (args.type === "random:index/randomPassword:RandomPassword") {
      // A deterministic stand-in of the requested length; the program must keep it secret.
      const length = Number(inputs.length ?? 32);
      return {
        id: "none",
        state: { ...inputs, result: hex(`${args.type}::${args.name}`, length) },
      };
    }
    return { id: autoName(args.name, `${args.type}::${args.name}`), state: inputs };
  }

  call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
    this.calls.push(args.token);
    const handler = this.invokes[args.token];
    if (!handler) {
      const message =
        `Unmocked invoke "${args.token}": the offline plan answers only the invokes it mocks on ` +
        `purpose (tools/mocks.ts invokeMocks). Add a realistic answer there.`;
      // The runtime rethrows a failed invoke RPC with the gRPC error's `details` as its message.
      throw Object.assign(new Error(message), { details: message });
    }
    return handler(args.inputs as State);
  }
}

/** One resource registration as the engine saw it. */
export interface CapturedResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  id?: string;
  parent?: string;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  provider?: string;
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
  aliases: string[];
  customTimeouts?: { create?: string; update?: string; delete?: string };
  ignoreChanges: string[];
  replaceOnChanges: string[];
  additionalSecretOutputs: string[];
  deletedWith?: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

/** The real engine's URN rule: the parent's qualified type prefixes the child's, except the stack's. */
function engineUrn(
  stack: string,
  project: string,
  parent: string,
  type: string,
  name: string,
): string {
  let qualified = type;
  if (parent) {
    const parentQualified = parent.split("::")[2];
    if (parentQualified !== "pulumi:pulumi:Stack") qualified = `${parentQualified}$${type}`;
  }
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

interface ProtoStruct {
  toJavaScript(): Record<string, unknown>;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): ProtoStruct | undefined;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): {
    forEach(cb: (v: { getUrnsList(): string[] }, k: string) => void): void;
  };
  getProvider(): string;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getDeletebeforereplace(): boolean;
  getAliasesList(): Array<{ getUrn(): string }>;
  getAliasurnsList(): string[];
  getCustomtimeouts():
    { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
  getIgnorechangesList(): string[];
  getReplaceonchangesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getDeletedwith(): string;
}

interface RegisterResponse {
  getUrn(): string;
  getId(): string;
  getObject(): ProtoStruct | undefined;
}

type Callback<T> = (err: Error | null, resp?: T) => void;

interface MonitorLike {
  newUrn(parent: string, type: string, name: string): string;
  registerResource(req: RegisterRequest, cb: Callback<RegisterResponse>): Promise<void>;
  registerResourceOutputs(
    req: { getUrn(): string; getOutputs(): ProtoStruct | undefined },
    cb: Callback<unknown>,
  ): void;
}

/** A live capture of registrations; `settle()` before reading `resources`. */
export interface Capture {
  /** Registrations in the order the program made them, keyed by URN. */
  resources: Map<string, CapturedResource>;
  /** Resolves when no RPC is outstanding, no timer is pending and nothing new registered. */
  settle(maxWaitMs?: number): Promise<void>;
  /** Errors raised by registrations (a failed mock, say); the plan reports them. */
  errors: Error[];
}

/**
 * Installs the mocks and starts capturing. Call before the program creates any resource.
 */
export async function installMocks(
  mocks: pulumi.runtime.Mocks,
  project: string,
  stack: string,
  preview = false,
): Promise<Capture> {
  await pulumi.runtime.setMocks(mocks, project, stack, preview);
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const resources = new Map<string, CapturedResource>();
  const errors: Error[] = [];
  let outstanding = 0;

  monitor.newUrn = (parent, type, name) => engineUrn(stack, project, parent, type, name);

  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    outstanding++;
    const timeouts = req.getCustomtimeouts();
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((v, k) => {
      propertyDependencies[k] = v.getUrnsList();
    });
    const record: CapturedResource = {
      urn: "",
      type: req.getType(),
      name: req.getName(),
      custom: req.getCustom(),
      parent: req.getParent() || undefined,
      dependencies: req.getDependenciesList(),
      propertyDependencies,
      provider: req.getProvider() || undefined,
      protect: req.getProtect() ?? false,
      retainOnDelete: req.getRetainondelete() ?? false,
      deleteBeforeReplace: req.getDeletebeforereplace(),
      aliases: [
        ...req.getAliasurnsList(),
        ...req
          .getAliasesList()
          .map((a) => a.getUrn())
          .filter(Boolean),
      ],
      customTimeouts:
        timeouts && (timeouts.getCreate() || timeouts.getUpdate() || timeouts.getDelete())
          ? {
              create: timeouts.getCreate() || undefined,
              update: timeouts.getUpdate() || undefined,
              delete: timeouts.getDelete() || undefined,
            }
          : undefined,
      ignoreChanges: req.getIgnorechangesList(),
      replaceOnChanges: req.getReplaceonchangesList(),
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      deletedWith: req.getDeletedwith() || undefined,
      inputs: req.getObject()?.toJavaScript() ?? {},
      outputs: {},
    };
    return register(req, (err, resp) => {
      outstanding--;
      if (err) {
        errors.push(err);
      } else if (resp) {
        record.urn = resp.getUrn();
        record.id = record.custom ? resp.getId() || undefined : undefined;
        record.outputs = record.custom ? (resp.getObject()?.toJavaScript() ?? {}) : {};
        resources.set(record.urn, record);
      }
      cb(err, resp);
    });
  };

  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, cb) => {
    const found = resources.get(req.getUrn());
    if (found) found.outputs = req.getOutputs()?.toJavaScript() ?? {};
    registerOutputs(req, cb);
  };

  // waitForRPCs is exported by the runtime but stripped from its typings (@internal); it is what
  // `pulumi up`'s language host awaits before it disconnects.
  const settings = (await import("@pulumi/pulumi/runtime/settings")) as unknown as {
    waitForRPCs(): Promise<void>;
  };
  // The language host ends a program when Node's event loop is empty, so a resource created in an
  // apply that waits on a timer still registers. Settling therefore waits until no RPC is
  // outstanding, no timer is pending and nothing new registered for a few turns in a row.
  const pendingTimers = () =>
    process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
  const settle = async (maxWaitMs = 60_000) => {
    const deadline = Date.now() + maxWaitMs;
    let quietTurns = 0;
    let seen = -1;
    while (quietTurns < 3) {
      await settings.waitForRPCs();
      await new Promise((resolve) => setImmediate(resolve));
      const timers = pendingTimers();
      const idle = outstanding === 0 && timers === 0 && resources.size === seen;
      quietTurns = idle ? quietTurns + 1 : 0;
      seen = resources.size;
      if (timers > 0) {
        if (Date.now() > deadline) {
          throw new Error(`the program still had ${timers} pending timer(s) after ${maxWaitMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  };
  return { resources, settle, errors };
}
