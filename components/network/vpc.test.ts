import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  installMocks,
  PlatformMocks,
  type Capture,
  type CapturedResource,
} from "../../tools/mocks";
import { planSubnets } from "./subnets";
import { Network, validateNetworkArgs, type NetworkArgs } from "./vpc";

const ACCOUNT = "111122223333";
const REGION = "eu-west-1";
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const DEFAULT_SERVICES = ["sqs", "kms", "ecr.api", "ecr.dkr", "sts", "logs", "dynamodb"];

const T = {
  network: "acme:network:Network",
  vpc: "aws:ec2/vpc:Vpc",
  igw: "aws:ec2/internetGateway:InternetGateway",
  subnet: "aws:ec2/subnet:Subnet",
  routeTable: "aws:ec2/routeTable:RouteTable",
  route: "aws:ec2/route:Route",
  association: "aws:ec2/routeTableAssociation:RouteTableAssociation",
  eip: "aws:ec2/eip:Eip",
  nat: "aws:ec2/natGateway:NatGateway",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  flowLog: "aws:ec2/flowLog:FlowLog",
  endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
};

function networkArgs(overrides: Partial<NetworkArgs> = {}): NetworkArgs {
  return {
    cidrBlock: "10.0.0.0/16",
    azCount: 3,
    natGateways: "OnePerAz",
    region: REGION,
    accountId: ACCOUNT,
    partition: "aws",
    clusterName: "platform",
    flowLogs: { kmsKeyArn: KEY_ARN, retentionInDays: 30 },
    ...overrides,
  };
}

let capture: Capture;
let mocks: PlatformMocks;

const all = () => [...capture.resources.values()];
function component(name: string): CapturedResource {
  const found = all().filter((r) => r.type === T.network && r.name === name);
  assert.equal(found.length, 1, `one Network named ${name}`);
  return found[0];
}
const children = (name: string) => all().filter((r) => r.parent === component(name).urn);
const ofType = (name: string, type: string) => children(name).filter((r) => r.type === type);
function child(name: string, type: string, childName: string): CapturedResource {
  const found = ofType(name, type).filter((r) => r.name === childName);
  assert.equal(found.length, 1, `one ${type} named ${childName}`);
  return found[0];
}
function countByType(name: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of children(name)) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return counts;
}
const indexes = (n: number) => Array.from({ length: n }, (_, i) => i);

before(async () => {
  mocks = new PlatformMocks({ accountId: ACCOUNT, region: REGION });
  capture = await installMocks(mocks, "acme-platform", "test");
  // "main": 3 AZs looked up, one NAT per AZ, default endpoints, protected log group.
  new Network("main", networkArgs({ protect: true }));
  // "edge": a /20 over 2 named AZs, a single NAT, two endpoints.
  new Network(
    "edge",
    networkArgs({
      cidrBlock: "172.16.32.0/20",
      azCount: 2,
      availabilityZoneNames: ["eu-west-1b", "eu-west-1c"],
      natGateways: "Single",
      interfaceEndpoints: ["sts", "ecr.api"],
    }),
  );
  await capture.settle();
  assert.deepEqual(capture.errors, []);
});

describe("Network (3 AZs, OnePerAz)", () => {
  it("registers exactly the expected children", () => {
    assert.deepEqual(countByType("main"), {
      [T.vpc]: 1,
      [T.igw]: 1,
      [T.subnet]: 6,
      [T.routeTable]: 4,
      [T.route]: 4,
      [T.association]: 6,
      [T.eip]: 3,
      [T.nat]: 3,
      [T.logGroup]: 1,
      [T.role]: 1,
      [T.rolePolicy]: 1,
      [T.flowLog]: 1,
      [T.endpoint]: 8,
      [T.securityGroup]: 1,
      [T.ingress]: 1,
    });
  });

  it("parents every resource to a Network and names children after it", () => {
    const networks = new Map(
      all()
        .filter((r) => r.type === T.network)
        .map((r) => [r.urn, r.name]),
    );
    assert.equal(networks.size, 2);
    for (const r of all().filter((r) => r.custom)) {
      assert.ok(r.parent && networks.has(r.parent), `${r.type} ${r.name} is parented to a Network`);
      assert.ok(
        r.name.startsWith(`${networks.get(r.parent)}-`),
        `${r.name} derives from its parent`,
      );
    }
  });

  it("looks the zones up once, filtered to zones that need no opt-in", () => {
    assert.deepEqual(
      mocks.calls.filter((t) => t === "aws:index/getAvailabilityZones:getAvailabilityZones"),
      ["aws:index/getAvailabilityZones:getAvailabilityZones"],
    );
  });

  it("creates the VPC with DNS support and hostnames", () => {
    const [vpc] = ofType("main", T.vpc);
    assert.equal(vpc.inputs.cidrBlock, "10.0.0.0/16");
    assert.equal(vpc.inputs.enableDnsSupport, true);
    assert.equal(vpc.inputs.enableDnsHostnames, true);
    assert.deepEqual(vpc.inputs.tags, { Name: "main" });
  });

  it("lays subnets out as planned, one pair per AZ, with the Kubernetes tags", () => {
    const plan = planSubnets("10.0.0.0/16", 3);
    const vpcId = ofType("main", T.vpc)[0].id;
    const zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
    for (const i of indexes(3)) {
      const pub = child("main", T.subnet, `main-public-${i}`);
      assert.deepEqual(pub.inputs, {
        vpcId,
        cidrBlock: plan.public[i],
        availabilityZone: zones[i],
        mapPublicIpOnLaunch: false,
        tags: {
          Name: `main-public-${i}`,
          "kubernetes.io/role/elb": "1",
          "kubernetes.io/cluster/platform": "shared",
        },
      });
      const priv = child("main", T.subnet, `main-private-${i}`);
      assert.deepEqual(priv.inputs, {
        vpcId,
        cidrBlock: plan.private[i],
        availabilityZone: zones[i],
        tags: {
          Name: `main-private-${i}`,
          "kubernetes.io/role/internal-elb": "1",
          "kubernetes.io/cluster/platform": "shared",
        },
      });
    }
  });

  it("routes the public subnets to the internet gateway through one route table", () => {
    const igw = ofType("main", T.igw)[0];
    const rt = child("main", T.routeTable, "main-public-rt");
    assert.deepEqual(child("main", T.route, "main-public-default-route").inputs, {
      routeTableId: rt.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: igw.id,
    });
    for (const i of indexes(3)) {
      assert.deepEqual(child("main", T.association, `main-public-rta-${i}`).inputs, {
        subnetId: child("main", T.subnet, `main-public-${i}`).id,
        routeTableId: rt.id,
      });
    }
  });

  it("puts one NAT gateway with its own EIP in each public subnet", () => {
    const igw = ofType("main", T.igw)[0];
    for (const i of indexes(3)) {
      const eip = child("main", T.eip, `main-nat-eip-${i}`);
      const nat = child("main", T.nat, `main-nat-${i}`);
      assert.equal(eip.inputs.domain, "vpc");
      assert.equal(nat.inputs.allocationId, eip.id);
      assert.equal(nat.inputs.subnetId, child("main", T.subnet, `main-public-${i}`).id);
      assert.ok(nat.dependencies.includes(igw.urn), "NAT waits for the internet gateway");
    }
  });

  it("routes each private subnet to the NAT gateway in its own AZ", () => {
    const natSubnetZone = new Map(
      ofType("main", T.nat).map((nat) => {
        const subnet = ofType("main", T.subnet).find((s) => s.id === nat.inputs.subnetId);
        return [nat.id, subnet?.inputs.availabilityZone];
      }),
    );
    for (const i of indexes(3)) {
      const rt = child("main", T.routeTable, `main-private-rt-${i}`);
      const subnet = child("main", T.subnet, `main-private-${i}`);
      const route = child("main", T.route, `main-private-default-route-${i}`);
      assert.deepEqual(route.inputs, {
        routeTableId: rt.id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: child("main", T.nat, `main-nat-${i}`).id,
      });
      assert.equal(
        natSubnetZone.get(route.inputs.natGatewayId as string),
        subnet.inputs.availabilityZone,
      );
      assert.deepEqual(child("main", T.association, `main-private-rta-${i}`).inputs, {
        subnetId: subnet.id,
        routeTableId: rt.id,
      });
    }
  });

  it("encrypts the flow-log group with the given key and protects it", () => {
    const [group] = ofType("main", T.logGroup);
    assert.equal(group.inputs.kmsKeyId, KEY_ARN);
    assert.equal(group.inputs.retentionInDays, 30);
    assert.equal(group.protect, true);
    const unprotected = children("main").filter((r) => r !== group && r.protect);
    assert.deepEqual(unprotected, [], "only the log group is protected");
  });

  it("lets only VPC Flow Logs of this account assume the flow-log role", () => {
    const [role] = ofType("main", T.role);
    assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy as string), {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "vpc-flow-logs.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": ACCOUNT },
            ArnLike: { "aws:SourceArn": `arn:aws:ec2:${REGION}:${ACCOUNT}:vpc-flow-log/*` },
          },
        },
      ],
    });
  });

  it("allows the role to write streams of the flow-log group only", () => {
    const [group] = ofType("main", T.logGroup);
    const [role] = ofType("main", T.role);
    const [policy] = ofType("main", T.rolePolicy);
    const groupArn = group.outputs.arn as string;
    assert.match(groupArn, /^arn:aws:logs:eu-west-1:111122223333:log-group:main-flow-logs-/);
    assert.equal(policy.inputs.role, role.id);
    assert.deepEqual(JSON.parse(policy.inputs.policy as string), {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          Resource: [groupArn, `${groupArn}:*`],
        },
      ],
    });
  });

  it("logs all VPC traffic to the group at 60-second aggregation, after the policy exists", () => {
    const [flowLog] = ofType("main", T.flowLog);
    const [policy] = ofType("main", T.rolePolicy);
    assert.deepEqual(flowLog.inputs, {
      vpcId: ofType("main", T.vpc)[0].id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: ofType("main", T.logGroup)[0].outputs.arn,
      iamRoleArn: ofType("main", T.role)[0].outputs.arn,
      maxAggregationInterval: 60,
      tags: { Name: "main-flow-logs" },
    });
    assert.ok(flowLog.dependencies.includes(policy.urn));
  });

  it("attaches the S3 gateway endpoint to the private route tables only", () => {
    const s3 = child("main", T.endpoint, "main-vpce-s3");
    assert.equal(s3.inputs.vpcEndpointType, "Gateway");
    assert.equal(s3.inputs.serviceName, "com.amazonaws.eu-west-1.s3");
    assert.deepEqual(
      s3.inputs.routeTableIds,
      indexes(3).map((i) => child("main", T.routeTable, `main-private-rt-${i}`).id),
    );
  });

  it("gives the endpoint security group HTTPS from the VPC in and no egress rule", () => {
    const [sg] = ofType("main", T.securityGroup);
    assert.equal(sg.inputs.ingress, undefined);
    assert.equal(sg.inputs.egress, undefined);
    const [rule] = ofType("main", T.ingress);
    assert.deepEqual(rule.inputs, {
      securityGroupId: sg.id,
      description: "HTTPS from the VPC",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "10.0.0.0/16",
    });
    assert.deepEqual(
      all().filter((r) => r.type === T.egress),
      [],
    );
  });

  it("creates one private-DNS interface endpoint per default service in the private subnets", () => {
    const [sg] = ofType("main", T.securityGroup);
    const privateSubnetIds = indexes(3).map((i) => child("main", T.subnet, `main-private-${i}`).id);
    const interfaces = ofType("main", T.endpoint).filter(
      (e) => e.inputs.vpcEndpointType === "Interface",
    );
    // Sorted: the capture records registrations in the order the engine answers them.
    assert.deepEqual(
      interfaces.map((e) => e.inputs.serviceName).sort(),
      DEFAULT_SERVICES.map((s) => `com.amazonaws.eu-west-1.${s}`).sort(),
    );
    for (const e of interfaces) {
      assert.equal(e.inputs.privateDnsEnabled, true, e.name);
      assert.deepEqual(e.inputs.subnetIds, privateSubnetIds, e.name);
      assert.deepEqual(e.inputs.securityGroupIds, [sg.id], e.name);
    }
    assert.deepEqual(interfaces.map((e) => e.name).sort(), [
      "main-vpce-dynamodb",
      "main-vpce-ecr-api",
      "main-vpce-ecr-dkr",
      "main-vpce-kms",
      "main-vpce-logs",
      "main-vpce-sqs",
      "main-vpce-sts",
    ]);
  });

  it("registers the outputs consumers need", () => {
    const out = component("main").outputs;
    const ids = (type: string, prefix: string) =>
      indexes(3).map((i) => child("main", type, `${prefix}${i}`).id);
    assert.equal(out.vpcId, ofType("main", T.vpc)[0].id);
    assert.equal(out.vpcCidrBlock, "10.0.0.0/16");
    assert.deepEqual(out.publicSubnetIds, ids(T.subnet, "main-public-"));
    assert.deepEqual(out.privateSubnetIds, ids(T.subnet, "main-private-"));
    assert.deepEqual(out.privateRouteTableIds, ids(T.routeTable, "main-private-rt-"));
    assert.deepEqual(out.natGatewayIds, ids(T.nat, "main-nat-"));
    assert.deepEqual(out.intraCidrBlocks, ["10.0.144.0/22", "10.0.148.0/22", "10.0.152.0/22"]);
    assert.equal(out.flowLogGroupArn, ofType("main", T.logGroup)[0].outputs.arn);
    assert.equal(out.endpointSecurityGroupId, ofType("main", T.securityGroup)[0].id);
    assert.deepEqual(out.availabilityZones, ["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
  });
});

describe("Network (2 named AZs, Single NAT, a /20)", () => {
  it("registers exactly the expected children", () => {
    assert.deepEqual(countByType("edge"), {
      [T.vpc]: 1,
      [T.igw]: 1,
      [T.subnet]: 4,
      [T.routeTable]: 3,
      [T.route]: 3,
      [T.association]: 4,
      [T.eip]: 1,
      [T.nat]: 1,
      [T.logGroup]: 1,
      [T.role]: 1,
      [T.rolePolicy]: 1,
      [T.flowLog]: 1,
      [T.endpoint]: 3,
      [T.securityGroup]: 1,
      [T.ingress]: 1,
    });
  });

  it("uses the named zones and the planned CIDRs", () => {
    const zones = ["eu-west-1b", "eu-west-1c"];
    const cidrs = (prefix: string) =>
      indexes(2).map((i) => {
        const s = child("edge", T.subnet, `edge-${prefix}-${i}`);
        assert.equal(s.inputs.availabilityZone, zones[i]);
        return s.inputs.cidrBlock;
      });
    assert.deepEqual(cidrs("private"), ["172.16.32.0/23", "172.16.34.0/23"]);
    assert.deepEqual(cidrs("public"), ["172.16.40.0/26", "172.16.40.64/26"]);
    assert.deepEqual(component("edge").outputs.availabilityZones, zones);
    assert.deepEqual(component("edge").outputs.intraCidrBlocks, [
      "172.16.41.0/26",
      "172.16.41.64/26",
    ]);
  });

  it("routes every private route table to the single NAT gateway in the first public subnet", () => {
    const nat = child("edge", T.nat, "edge-nat-0");
    assert.equal(nat.inputs.subnetId, child("edge", T.subnet, "edge-public-0").id);
    for (const i of indexes(2)) {
      assert.equal(
        child("edge", T.route, `edge-private-default-route-${i}`).inputs.natGatewayId,
        nat.id,
      );
    }
    assert.deepEqual(component("edge").outputs.natGatewayIds, [nat.id]);
  });

  it("creates only the requested interface endpoints and leaves the log group unprotected", () => {
    assert.deepEqual(
      ofType("edge", T.endpoint)
        .filter((e) => e.inputs.vpcEndpointType === "Interface")
        .map((e) => e.inputs.serviceName)
        .sort(),
      ["com.amazonaws.eu-west-1.ecr.api", "com.amazonaws.eu-west-1.sts"],
    );
    assert.equal(ofType("edge", T.logGroup)[0].protect, false);
    assert.equal(ofType("edge", T.ingress)[0].inputs.cidrIpv4, "172.16.32.0/20");
  });
});

describe("Network argument validation", () => {
  it("accepts valid arguments", () => {
    assert.deepEqual(validateNetworkArgs(networkArgs()), []);
    assert.deepEqual(
      validateNetworkArgs(
        networkArgs({ availabilityZoneNames: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] }),
      ),
      [],
    );
  });

  const cases: Array<{ title: string; overrides: Partial<NetworkArgs>; paths: string[] }> = [
    {
      title: "every bad property at once",
      overrides: {
        cidrBlock: "10.0.0.1/24",
        azCount: 5,
        region: "Ireland",
        natGateways: "Three" as NatGatewayArg,
        accountId: "1234",
        clusterName: "",
        flowLogs: { kmsKeyArn: KEY_ARN, retentionInDays: 10 },
        interfaceEndpoints: ["sqs", "Bad_Name", "s3", "sqs"],
      },
      paths: [
        "cidrBlock",
        "cidrBlock",
        "azCount",
        "region",
        "natGateways",
        "accountId",
        "clusterName",
        "flowLogs.retentionInDays",
        "interfaceEndpoints[1]",
        "interfaceEndpoints[2]",
        "interfaceEndpoints[3]",
      ],
    },
    {
      title: "a malformed CIDR and zone names that do not match azCount",
      overrides: {
        cidrBlock: "10.0.0/16",
        availabilityZoneNames: ["eu-west-1a", "us-east-1b", "eu-west-1a", "nowhere"],
      },
      paths: [
        "cidrBlock",
        "availabilityZoneNames",
        "availabilityZoneNames[1]",
        "availabilityZoneNames[2]",
        "availabilityZoneNames[3]",
      ],
    },
    {
      title: "a VPC too large for the layout",
      overrides: { cidrBlock: "10.0.0.0/8" },
      paths: ["cidrBlock"],
    },
  ];

  for (const { title, overrides, paths } of cases) {
    it(`reports ${title}`, () => {
      assert.deepEqual(
        validateNetworkArgs(networkArgs(overrides)).map((e) => e.propertyPath),
        paths,
      );
    });
  }

  it("names the argument and the fix in each message", () => {
    const reasons = validateNetworkArgs(networkArgs(cases[0].overrides)).map((e) => e.reason);
    assert.deepEqual(reasons.slice(0, 3), [
      "prefix /24 is out of range; use a /16 to /20 block",
      '"10.0.0.1/24" has host bits set; use the network address of the block',
      "must be a whole number from 2 to 4 (got 5); set it to 3 for production",
    ]);
    assert.equal(
      validateNetworkArgs(networkArgs(cases[1].overrides))[1].reason,
      "lists 4 zone(s) but azCount is 3; list exactly azCount names, or omit it to use the first azCount available zones",
    );
  });

  it("throws one error listing every bad property and registers nothing", async () => {
    await capture.settle();
    const before = capture.resources.size;
    assert.throws(
      () => new Network("bad", networkArgs(cases[0].overrides)),
      (e: unknown) => {
        assert.ok(pulumi.InputPropertiesError.isInstance(e));
        assert.deepEqual(
          e.errors.map((d) => d.propertyPath),
          cases[0].paths,
        );
        assert.match(e.message, /^Network: 11 invalid arguments:\n/);
        for (const path of cases[0].paths) assert.ok(e.message.includes(`  - ${path}: `), path);
        return true;
      },
    );
    await capture.settle();
    assert.equal(capture.resources.size, before);
    assert.deepEqual(
      all().filter((r) => r.name === "bad" || r.name.startsWith("bad-")),
      [],
    );
  });
});

type NatGatewayArg = NetworkArgs["natGateways"];
