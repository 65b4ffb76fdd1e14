import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { parseStackConfig } from "../../config";
import type { Capture } from "../../tools/mocks";
import type { ExportedResource, StackExport } from "../../tools/stackExport";
import { cachedPlan, stackFileWithStepFunctions } from "../../tools/planCache";
import { loadStackConfig } from "../../tools/stackFile";
import {
  type IamDecision,
  MOCK_ACCOUNT_ID,
  mockPlatform,
  ofType,
  policyOf,
  simulateIam,
  single,
  TEST_REGION,
} from "../../tools/testing";
import {
  Deployer,
  type DeployerArgs,
  DEPLOYER_ATTACHABLE_POLICIES,
  DEPLOYER_PASSED_TO_SERVICES,
  DEPLOYER_SERVICES,
  validateDeployerArgs,
} from "./deployer";

const CONNECTION = `arn:aws:codeconnections:${TEST_REGION}:${MOCK_ACCOUNT_ID}:connection/0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d`;
const LOGS_KEY = `arn:aws:kms:${TEST_REGION}:${MOCK_ACCOUNT_ID}:key/logs`;
const PROJECT_ARN = `arn:aws:codebuild:${TEST_REGION}:${MOCK_ACCOUNT_ID}:project/acme-test-deployer`;

function args(overrides: Partial<DeployerArgs> = {}): DeployerArgs {
  return {
    projectName: "acme-test-deployer",
    vpcId: "vpc-0123456789abcdef0",
    privateSubnetIds: ["subnet-a", "subnet-b"],
    vpcCidrBlock: "10.20.0.0/16",
    repository: {
      owner: "acme",
      name: "platform",
      connectionArn: CONNECTION,
      workflowName: "deploy",
    },
    clusterName: "acme-test",
    kafkaClusterName: "acme-test-events",
    logsKeyArn: LOGS_KEY,
    logRetentionInDays: 90,
    region: TEST_REGION,
    accountId: MOCK_ACCOUNT_ID,
    partition: "aws",
    ...overrides,
  };
}

describe("Deployer", () => {
  let capture: Capture;
  let urn: string;
  const inComponent = (type: string) => ofType(capture, type, urn);

  before(async () => {
    capture = await mockPlatform();
    const deployer = new Deployer("ci", args());
    await capture.settle();
    urn = await new Promise<string>((resolve) => deployer.urn.apply(resolve));
  });

  it("has a security group that admits nothing and lets out only HTTPS and Kafka to the VPC", () => {
    const [sg] = inComponent("aws:ec2/securityGroup:SecurityGroup");
    assert.equal(sg.inputs.vpcId, "vpc-0123456789abcdef0");
    assert.equal("ingress" in sg.inputs || "egress" in sg.inputs, false);
    assert.equal(
      inComponent("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").length,
      0,
    );
    const egress = inComponent("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
      .map((r): Record<string, unknown> => ({ ...r.inputs, description: undefined }))
      .sort((a, b) => Number(a.fromPort) - Number(b.fromPort));
    assert.deepEqual(egress, [
      {
        securityGroupId: sg.id,
        description: undefined,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: "0.0.0.0/0",
      },
      {
        securityGroupId: sg.id,
        description: undefined,
        ipProtocol: "tcp",
        fromPort: 9098,
        toPort: 9098,
        cidrIpv4: "10.20.0.0/16",
      },
    ]);
  });

  it("runs a CodeBuild project in the private subnets as a runner for the deploy workflow only", () => {
    const [project] = inComponent("aws:codebuild/project:Project");
    const [sg] = inComponent("aws:ec2/securityGroup:SecurityGroup");
    const [role] = inComponent("aws:iam/role:Role");
    const [group] = inComponent("aws:cloudwatch/logGroup:LogGroup");
    assert.equal(project.inputs.name, "acme-test-deployer");
    assert.equal(project.inputs.serviceRole, role.outputs.arn);
    assert.deepEqual(project.inputs.vpcConfig, {
      vpcId: "vpc-0123456789abcdef0",
      subnets: ["subnet-a", "subnet-b"],
      securityGroupIds: [sg.id],
    });
    assert.deepEqual(project.inputs.source, {
      type: "GITHUB",
      location: "https://github.com/acme/platform.git",
      auth: { type: "CODECONNECTIONS", resource: CONNECTION },
    });
    const env = project.inputs.environment as Record<string, unknown>;
    // The services' images are built during `pulumi up`: the Docker daemon needs privileged mode.
    assert.equal(env.privilegedMode, true);
    assert.equal(env.computeType, "BUILD_GENERAL1_MEDIUM");
    assert.deepEqual(project.inputs.logsConfig, {
      cloudwatchLogs: { status: "ENABLED", groupName: "/aws/codebuild/acme-test-deployer" },
      s3Logs: { status: "DISABLED" },
    });
    assert.equal(group.inputs.name, "/aws/codebuild/acme-test-deployer");
    assert.equal(group.inputs.kmsKeyId, LOGS_KEY);
    assert.equal(group.inputs.retentionInDays, 90);
    // The role's policies exist before CodeBuild checks that the role may create ENIs.
    for (const policy of inComponent("aws:iam/rolePolicy:RolePolicy")) {
      assert.ok(project.dependencies.includes(policy.urn), `${policy.name} before the project`);
    }
    const [webhook] = inComponent("aws:codebuild/webhook:Webhook");
    assert.equal(webhook.inputs.projectName, "acme-test-deployer");
    assert.deepEqual(webhook.inputs.filterGroups, [
      {
        filters: [
          { type: "EVENT", pattern: "WORKFLOW_JOB_QUEUED" },
          { type: "WORKFLOW_NAME", pattern: "^deploy$" },
        ],
      },
    ]);
  });

  describe("its role", () => {
    const ROLE = () => single(capture, "aws:iam/role:Role", "ci-deployer").outputs.arn as string;
    const identity = () => ({
      runner: policyOf(single(capture, "aws:iam/rolePolicy:RolePolicy", "ci-deployer-runner")),
      deploy: policyOf(single(capture, "aws:iam/rolePolicy:RolePolicy", "ci-deployer-deploy")),
    });
    const decide = (
      action: string,
      resource: string,
      context: Record<string, string | string[]> = {},
    ): Promise<IamDecision> =>
      simulateIam({ principal: ROLE(), identityPolicies: identity(), action, resource, context });

    it("is assumable by CodeBuild for this project of this account only", async () => {
      const role = single(capture, "aws:iam/role:Role", "ci-deployer");
      const trust = policyOf(role, "assumeRolePolicy");
      assert.deepEqual(trust.Statement, [
        {
          Effect: "Allow",
          Principal: { Service: "codebuild.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID },
            ArnEquals: { "aws:SourceArn": PROJECT_ARN },
          },
        },
      ]);
      const assume = (principal: string, context: Record<string, string>) =>
        simulateIam({
          principal,
          identityPolicies: {},
          resourcePolicy: trust,
          action: "sts:AssumeRole",
          resource: ROLE(),
          context,
        });
      const own = { "aws:SourceAccount": MOCK_ACCOUNT_ID, "aws:SourceArn": PROJECT_ARN };
      assert.equal(await assume("codebuild.amazonaws.com", own), "Allowed");
      assert.equal(
        await assume("codebuild.amazonaws.com", {
          ...own,
          "aws:SourceArn": PROJECT_ARN.replace("acme-test-deployer", "other"),
        }),
        "ImplicitlyDenied",
      );
      assert.equal(
        await assume("codebuild.amazonaws.com", { ...own, "aws:SourceAccount": "999999999999" }),
        "ImplicitlyDenied",
      );
      assert.equal(await assume("ec2.amazonaws.com", own), "ImplicitlyDenied");
    });

    it("writes its own logs, makes its ENIs and uses its GitHub connection, no other", async () => {
      const group = `arn:aws:logs:${TEST_REGION}:${MOCK_ACCOUNT_ID}:log-group:/aws/codebuild/acme-test-deployer`;
      assert.equal(await decide("logs:PutLogEvents", `${group}:log-stream:x`), "Allowed");
      assert.equal(await decide("codeconnections:GetConnectionToken", CONNECTION), "Allowed");
      assert.equal(
        await decide(
          "codeconnections:GetConnectionToken",
          CONNECTION.replace("0b1c2d3e", "ffffffff"),
        ),
        "ImplicitlyDenied",
      );
      const eni = `arn:aws:ec2:${TEST_REGION}:${MOCK_ACCOUNT_ID}:network-interface/eni-1`;
      assert.equal(
        await decide("ec2:CreateNetworkInterfacePermission", eni, {
          "ec2:AuthorizedService": "codebuild.amazonaws.com",
        }),
        "Allowed",
      );
    });

    it("deploys the program's services and nothing it does not create", async () => {
      assert.deepEqual(identity().deploy.Statement[0], {
        Sid: "ProgramServices",
        Effect: "Allow",
        Action: Object.keys(DEPLOYER_SERVICES).map((s) => `${s}:*`),
        Resource: "*",
      });
      assert.equal(await decide("eks:CreateCluster", "*"), "Allowed");
      for (const action of [
        "iam:CreateUser",
        "iam:CreateAccessKey",
        "organizations:LeaveOrganization",
        "lambda:CreateFunction",
        "rds:CreateDBInstance",
      ]) {
        assert.equal(await decide(action, "*"), "ImplicitlyDenied", action);
      }
    });

    it("attaches only the program's managed policies and passes roles only to its services", async () => {
      const other = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/platform-node-abc`;
      const attach = (policy: string) =>
        decide("iam:AttachRolePolicy", other, {
          "iam:PolicyARN": `arn:aws:iam::aws:policy/${policy}`,
        });
      for (const policy of DEPLOYER_ATTACHABLE_POLICIES) {
        assert.equal(await attach(policy), "Allowed", policy);
      }
      assert.equal(await attach("AdministratorAccess"), "ImplicitlyDenied");
      assert.equal(await attach("IAMFullAccess"), "ImplicitlyDenied");
      const pass = (service: string) =>
        decide("iam:PassRole", other, { "iam:PassedToService": service });
      assert.equal(await pass("eks.amazonaws.com"), "Allowed");
      assert.equal(await pass("pods.eks.amazonaws.com"), "Allowed");
      assert.equal(await pass("lambda.amazonaws.com"), "ImplicitlyDenied");
      assert.equal(await pass("cloudformation.amazonaws.com"), "ImplicitlyDenied");
    });

    it("cannot change its own role, only the program's", async () => {
      const other = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/platform-node-abc`;
      assert.equal(await decide("iam:PutRolePolicy", other), "Allowed");
      for (const action of [
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:UpdateAssumeRolePolicy",
        "iam:DeleteRolePolicy",
      ]) {
        assert.equal(
          await decide(action, ROLE(), {
            "iam:PolicyARN": "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
          }),
          "ExplicitlyDenied",
          action,
        );
      }
    });

    it("manages topics of its Kafka cluster only", async () => {
      const topic = (cluster: string) =>
        `arn:aws:kafka:${TEST_REGION}:${MOCK_ACCOUNT_ID}:topic/${cluster}/uuid-1/domain-events`;
      assert.equal(await decide("kafka-cluster:CreateTopic", topic("acme-test-events")), "Allowed");
      assert.equal(await decide("kafka-cluster:CreateTopic", topic("other")), "ImplicitlyDenied");
      assert.equal(
        await decide("kafka-cluster:WriteData", topic("acme-test-events")),
        "ImplicitlyDenied",
      );
    });
  });

  it("rejects bad arguments with every problem named and registers nothing", async () => {
    const bad = args({
      projectName: "-x",
      repository: { owner: "acme", name: "platform", connectionArn: "github", workflowName: " " },
      computeType: "BUILD_GENERAL1_HUGE",
      buildTimeoutMinutes: 3,
      logRetentionInDays: 10,
    });
    assert.deepEqual(
      validateDeployerArgs(bad).map((e) => e.propertyPath),
      [
        "projectName",
        "repository.connectionArn",
        "repository.workflowName",
        "computeType",
        "buildTimeoutMinutes",
        "logRetentionInDays",
      ],
    );
    const before = capture.resources.size;
    assert.throws(
      () => new Deployer("bad", bad),
      (e: Error) =>
        pulumi.InputPropertiesError.isInstance(e) && /6 invalid arguments/.test(e.message),
    );
    await capture.settle();
    assert.equal(capture.resources.size, before);
  });
});

// ---- The stacks, planned offline: where `pulumi up` runs and what admits it.
const ROOT = path.resolve(__dirname, "..", "..");

function plan(stack: string, configFile?: string): StackExport {
  const result = cachedPlan(stack, configFile);
  assert.equal(result.status, 0, `plan ${stack} failed:\n${result.stderr}\n${result.stdout}`);
  return result.export;
}

describe("first deployment, per stack (offline plan)", () => {
  const plans: Record<string, ExportedResource[]> = {};
  before(() => {
    for (const stack of ["dev", "staging", "prod"]) plans[stack] = plan(stack).deployment.resources;
  });
  const of = (stack: string, type: string) => plans[stack].filter((r) => r.type === type);
  const vpcConfig = (stack: string) =>
    of(stack, "aws:eks/cluster:Cluster")[0].inputs.vpcConfig as Record<string, unknown>;

  it("dev: the API is public to the configured operator /32 only, and there is no deployer", () => {
    const config = parseStackConfig(loadStackConfig(ROOT, "dev").config);
    assert.ok(config.cluster.publicAccessCidrs.length > 0);
    assert.ok(config.cluster.publicAccessCidrs.every((c) => c.endsWith("/32")));
    const vpc = vpcConfig("dev");
    assert.equal(vpc.endpointPublicAccess, true);
    assert.equal(vpc.endpointPrivateAccess, true);
    assert.deepEqual(vpc.publicAccessCidrs, config.cluster.publicAccessCidrs);
    assert.equal(of("dev", "acme:cluster:Deployer").length, 0);
    // Dev's topics go through the MSK API, which needs no network path to the brokers.
    assert.equal(config.messaging.kafka.topicManagement, "msk-api");
  });

  for (const stack of ["staging", "prod"]) {
    it(`${stack}: the API is private, and the deployer reaches it on 443 and the brokers on 9098`, () => {
      const vpc = vpcConfig(stack);
      assert.equal(vpc.endpointPublicAccess, false);
      assert.equal(vpc.endpointPrivateAccess, true);
      assert.equal("publicAccessCidrs" in vpc, false);

      const [deployer] = of(stack, "acme:cluster:Deployer");
      assert.ok(deployer, "a Deployer component");
      const under = (parent: string, type: string) =>
        of(stack, type).filter((r) => r.parent === parent);
      const [deployerSg] = under(deployer.urn, "aws:ec2/securityGroup:SecurityGroup");
      const [project] = under(deployer.urn, "aws:codebuild/project:Project");
      assert.deepEqual((project.inputs.vpcConfig as Record<string, unknown>).securityGroupIds, [
        deployerSg.id,
      ]);

      const ingress = of(stack, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
      const fromDeployer = ingress.filter(
        (r) => r.inputs.referencedSecurityGroupId === deployerSg.id,
      );
      const [cluster] = of(stack, "acme:cluster:EksCluster");
      const [kafka] = of(stack, "acme:messaging:KafkaCluster");
      const [controlPlaneSg] = under(cluster.urn, "aws:ec2/securityGroup:SecurityGroup");
      const [brokerSg] = under(kafka.urn, "aws:ec2/securityGroup:SecurityGroup");
      assert.deepEqual(vpc.securityGroupIds, [controlPlaneSg.id]);
      const ports = (sgId: string | undefined) =>
        fromDeployer
          .filter((r) => r.inputs.securityGroupId === sgId)
          .map(
            (r) =>
              `${String(r.inputs.ipProtocol)}/${String(r.inputs.fromPort)}-${String(r.inputs.toPort)}`,
          );
      assert.deepEqual(ports(controlPlaneSg.id), ["tcp/443-443"]);
      // The admin API only: the deployer scrapes no exporter.
      assert.deepEqual(ports(brokerSg.id), ["tcp/9098-9098"]);
      // The control plane admits nobody else.
      assert.equal(ingress.filter((r) => r.inputs.securityGroupId === controlPlaneSg.id).length, 1);

      const [entry] = of(stack, "aws:eks/accessEntry:AccessEntry").filter((e) =>
        e.urn.endsWith("::platform-deployer"),
      );
      const [role] = under(deployer.urn, "aws:iam/role:Role");
      assert.equal(entry.inputs.principalArn, role.outputs.arn);
    });
  }

  it("grants the deployer every service, managed policy and role trust the planned stacks use, on either workflow engine", () => {
    // Provider modules of @pulumi/aws -> the IAM service prefix their API calls use.
    const iamPrefix: Record<string, string> = {
      vpc: "ec2",
      msk: "kafka",
      appautoscaling: "application-autoscaling",
      cloudwatch: "cloudwatch",
      apigatewayv2: "apigateway",
      cognito: "cognito-idp",
      lb: "elasticloadbalancing",
      sfn: "states",
    };
    // The stack files run Argo; the Step Functions engine (Fargate steps) adds the state machine,
    // the ECS cluster, the task definitions and roles trusting states and ecs-tasks.
    const planned: Record<string, ExportedResource[]> = {
      ...plans,
      "prod (step-functions)": plan("prod", stackFileWithStepFunctions("prod")).deployment
        .resources,
    };
    for (const [stack, resources] of Object.entries(planned)) {
      const aws = resources.filter((r) => r.custom && r.type.startsWith("aws:"));
      for (const r of aws) {
        const module = r.type.split(":")[1].split("/")[0];
        if (module === "iam") continue; // granted narrower, checked below
        const service = iamPrefix[module] ?? module;
        assert.ok(service in DEPLOYER_SERVICES, `${stack}: ${r.type} needs ${service}:*`);
      }
      for (const r of aws.filter(
        (r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
      )) {
        const name = String(r.inputs.policyArn).replace(/^arn:aws:iam::aws:policy\//, "");
        assert.ok(DEPLOYER_ATTACHABLE_POLICIES.includes(name), `${stack}: attaches ${name}`);
      }
      for (const r of aws.filter((r) => r.type === "aws:iam/role:Role")) {
        const trust = JSON.parse(String(r.inputs.assumeRolePolicy)) as {
          Statement: Array<{ Principal?: { Service?: string | string[] } }>;
        };
        for (const st of trust.Statement) {
          for (const service of [st.Principal?.Service ?? []].flat()) {
            assert.ok(
              (DEPLOYER_PASSED_TO_SERVICES as readonly string[]).includes(service),
              `${stack}: ${r.urn} trusts ${service}, which the deployer may not pass roles to`,
            );
          }
        }
      }
    }
  });

  it("prod bootstrap run: only AWS resources, the deployer among them, no Kubernetes object and no admin-API topic", () => {
    const file = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), "bootstrap-")),
      "Pulumi.prod.yaml",
    );
    const stackFile = parseYaml(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")) as {
      config: Record<string, { bootstrap?: boolean }>;
    };
    stackFile.config["acme-platform:deployer"].bootstrap = true;
    fs.writeFileSync(file, stringifyYaml(stackFile));
    const resources = plan("prod", file).deployment.resources;
    const types = new Set(resources.map((r) => r.type));
    const kubernetes = [...types].filter((t) => t.startsWith("kubernetes:"));
    assert.deepEqual(
      kubernetes,
      [],
      `Kubernetes objects in a bootstrap run: ${kubernetes.join(", ")}`,
    );
    assert.equal(types.has("kafka:index/topic:Topic"), false, "a topic through the admin API");
    for (const t of [
      "acme:cluster:Deployer",
      "aws:eks/cluster:Cluster",
      "aws:msk/cluster:Cluster",
      "aws:codebuild/project:Project",
    ]) {
      assert.ok(types.has(t), `bootstrap creates ${t}`);
    }
    // The second run then adds the in-cluster platform: prod's normal plan has it.
    assert.ok(plans.prod.some((r) => r.type === "kubernetes:helm.sh/v3:Release"));
  });
});
