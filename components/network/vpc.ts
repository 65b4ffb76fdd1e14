/**
 * The platform network: a VPC over 2 to 4 availability zones with public and private subnets,
 * NAT, encrypted flow logs and the VPC endpoints the cluster needs to run without internet egress
 * for AWS APIs.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  type AwsContext,
  LOG_RETENTION_DAYS,
  policyDocument,
  REGION,
  serviceTrustPolicy,
  throwIfInvalid,
  ValidationError,
  AWS_ACCOUNT_ID,
} from "../lib";
import {
  isNetworkAddress,
  MAX_AZ_COUNT,
  MAX_VPC_PREFIX,
  MIN_VPC_PREFIX,
  parseIpv4Cidr,
  planSubnets,
} from "./subnets";

/** NAT gateway layout: one per AZ (survives an AZ loss) or a single shared one (cheaper). */
export const NatGatewayStrategy = { OnePerAz: "OnePerAz", Single: "Single" } as const;
export type NatGatewayStrategy = (typeof NatGatewayStrategy)[keyof typeof NatGatewayStrategy];

/** Interface endpoints created when `interfaceEndpoints` is not given. */
export const DEFAULT_INTERFACE_ENDPOINTS: readonly string[] = [
  "sqs",
  "kms",
  "ecr.api",
  "ecr.dkr",
  "sts",
  "logs",
  // Service A's request table: app namespaces admit egress to the VPC only, so DynamoDB is
  // reached over PrivateLink rather than its public endpoint.
  "dynamodb",
];

/** Arguments of {@link Network}. */
export interface NetworkArgs extends AwsContext {
  /**
   * IPv4 CIDR block of the VPC, a /16 to /20 network address. Plain: the subnet layout is computed
   * from it (see `planSubnets`). The first half goes to private subnets, the third quarter to
   * public and intra subnets, the fourth quarter stays free.
   * See https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html
   */
  cidrBlock: string;
  /**
   * Number of availability zones to spread subnets over, 2 to 4 (3 recommended for production).
   * Plain: it decides how many subnets, NAT gateways and route tables exist.
   */
  azCount: number;
  /**
   * Explicit availability zone names, exactly `azCount` of them, all in `region`.
   * @default the first `azCount` zones of the Region that are available and need no opt-in
   * (Local and Wavelength Zones are excluded).
   * See https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-regions-availability-zones.html
   */
  availabilityZoneNames?: string[];
  /**
   * NAT gateway layout: `OnePerAz` (one per AZ, each AZ's private route table uses its own, so an
   * AZ outage does not cut the others off) or `Single` (one gateway in the first public subnet,
   * cheaper, a single point of failure).
   * See https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html
   */
  natGateways: NatGatewayStrategy;
  /**
   * EKS cluster name; subnets are tagged `kubernetes.io/cluster/<clusterName>` = `shared` so the
   * AWS Load Balancer Controller can discover them.
   * See https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html#network-requirements-subnets
   */
  clusterName: string;
  /**
   * VPC flow logs (all traffic, 60-second aggregation) to a CloudWatch Logs group.
   * See https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-cwl.html
   */
  flowLogs: {
    /**
     * ARN of the KMS key that encrypts the log group. Its key policy must allow the
     * `logs.<region>.amazonaws.com` principal.
     * See https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
     */
    kmsKeyArn: pulumi.Input<string>;
    /** Days to keep flow-log events; one of the periods CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, ...). */
    retentionInDays: number;
  };
  /**
   * AWS services that get an Interface VPC endpoint (with private DNS) in the private subnets,
   * named as in `com.amazonaws.<region>.<service>`. S3 always gets a Gateway endpoint instead.
   * @default DEFAULT_INTERFACE_ENDPOINTS (sqs, kms, ecr.api, ecr.dkr, sts, logs, dynamodb)
   * See https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html
   */
  interfaceEndpoints?: string[];
  /**
   * Protects the flow-log group (the only stateful child) from deletion by Pulumi.
   * @default false (inherits `protect` from the component's options)
   */
  protect?: boolean;
}

const ENDPOINT_SERVICE = /^[a-z0-9.-]+$/;
/** An Availability Zone name: its Region code, then a zone letter or a Local Zone suffix. */
const AZ_NAME = new RegExp(`${REGION.source.slice(0, -1)}[a-z0-9-]*[a-z]$`);
const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;

/** Checks the plain arguments; returns every problem found (empty when valid). */
export function validateNetworkArgs(args: NetworkArgs): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });

  const cidr = typeof args.cidrBlock === "string" ? parseIpv4Cidr(args.cidrBlock) : undefined;
  if (!cidr) {
    add(
      "cidrBlock",
      `${JSON.stringify(args.cidrBlock)} is not an IPv4 CIDR block; use the form a.b.c.d/n, e.g. "10.0.0.0/16"`,
    );
  } else {
    if (cidr.prefix < MIN_VPC_PREFIX || cidr.prefix > MAX_VPC_PREFIX) {
      add(
        "cidrBlock",
        `prefix /${cidr.prefix} is out of range; use a /${MIN_VPC_PREFIX} to /${MAX_VPC_PREFIX} block`,
      );
    }
    if (!isNetworkAddress(cidr)) {
      add(
        "cidrBlock",
        `"${args.cidrBlock}" has host bits set; use the network address of the block`,
      );
    }
  }

  const azCountValid =
    Number.isInteger(args.azCount) && args.azCount >= 2 && args.azCount <= MAX_AZ_COUNT;
  if (!azCountValid) {
    add(
      "azCount",
      `must be a whole number from 2 to ${MAX_AZ_COUNT} (got ${JSON.stringify(args.azCount)}); set it to 3 for production`,
    );
  }

  const regionValid = typeof args.region === "string" && REGION.test(args.region);
  if (!regionValid) {
    add(
      "region",
      `${JSON.stringify(args.region)} is not an AWS Region code; use the form "eu-west-1"`,
    );
  }

  const zones = args.availabilityZoneNames;
  if (zones !== undefined) {
    if (!Array.isArray(zones)) {
      add("availabilityZoneNames", "must be a list of zone names, or omitted to look them up");
    } else {
      if (azCountValid && zones.length !== args.azCount) {
        add(
          "availabilityZoneNames",
          `lists ${zones.length} zone(s) but azCount is ${args.azCount}; list exactly azCount names, or omit it to use the first azCount available zones`,
        );
      }
      zones.forEach((zone, i) => {
        if (typeof zone !== "string" || !AZ_NAME.test(zone)) {
          add(
            `availabilityZoneNames[${i}]`,
            `${JSON.stringify(zone)} is not an availability zone name; use the form "eu-west-1a"`,
          );
        } else if (regionValid && !zone.startsWith(args.region)) {
          add(
            `availabilityZoneNames[${i}]`,
            `"${zone}" is not in region ${args.region}; use a zone of that Region`,
          );
        } else if (zones.indexOf(zone) !== i) {
          add(
            `availabilityZoneNames[${i}]`,
            `"${zone}" is listed twice; each AZ index needs a distinct zone`,
          );
        }
      });
    }
  }

  if (!Object.values<string>(NatGatewayStrategy).includes(args.natGateways)) {
    add(
      "natGateways",
      `${JSON.stringify(args.natGateways)} is not a NAT gateway strategy; use "OnePerAz" or "Single"`,
    );
  }

  if (typeof args.accountId === "string" && !AWS_ACCOUNT_ID.test(args.accountId)) {
    add("accountId", `"${args.accountId}" is not an AWS account ID; use the 12-digit ID`);
  }

  if (typeof args.clusterName !== "string" || !EKS_CLUSTER_NAME.test(args.clusterName)) {
    add(
      "clusterName",
      `${JSON.stringify(args.clusterName)} is not an EKS cluster name; use 1 to 100 letters, digits, "-" and "_", starting with a letter or digit`,
    );
  }

  if (!LOG_RETENTION_DAYS.includes(args.flowLogs?.retentionInDays)) {
    add(
      "flowLogs.retentionInDays",
      `${JSON.stringify(args.flowLogs?.retentionInDays)} is not a CloudWatch Logs retention period; use one of ${LOG_RETENTION_DAYS.join(", ")}`,
    );
  }

  const services = args.interfaceEndpoints;
  if (services !== undefined) {
    if (!Array.isArray(services)) {
      add("interfaceEndpoints", 'must be a list of service names such as ["sqs", "ecr.api"]');
    } else {
      services.forEach((service, i) => {
        const path = `interfaceEndpoints[${i}]`;
        if (typeof service !== "string" || !ENDPOINT_SERVICE.test(service)) {
          add(
            path,
            `${JSON.stringify(service)} is not a service name; use lower-case letters, digits, "." and "-" as in com.amazonaws.<region>.<service> (e.g. "ecr.api")`,
          );
        } else if (service === "s3") {
          add(path, `"s3" always gets a Gateway endpoint on the private route tables; remove it`);
        } else if (services.indexOf(service) !== i) {
          add(path, `"${service}" is listed twice; list each service once`);
        }
      });
    }
  }

  return errors;
}

/** A VPC with public and private subnets, NAT, flow logs and VPC endpoints. */
export class Network extends pulumi.ComponentResource {
  /** The VPC itself. */
  public readonly vpc: aws.ec2.Vpc;
  /** ID of the VPC. */
  public readonly vpcId: pulumi.Output<string>;
  /** IPv4 CIDR block of the VPC. */
  public readonly vpcCidrBlock: pulumi.Output<string>;
  /** Public subnet IDs, one per AZ, in AZ order. */
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  /** Private subnet IDs, one per AZ, in AZ order. */
  public readonly privateSubnetIds: pulumi.Output<string[]>;
  /** The same IDs one Output each, for arguments that count the subnets before deployment. */
  public readonly privateSubnetIdList: pulumi.Output<string>[];
  /** CIDR blocks reserved for intra subnets, one per AZ; no subnets exist for them yet. */
  public readonly intraCidrBlocks: string[];
  /** The private subnets' CIDR blocks, one per zone, known before deployment (the plan's). */
  public readonly privateCidrBlocks: string[];
  /** Private route table IDs, one per AZ, in AZ order. */
  public readonly privateRouteTableIds: pulumi.Output<string[]>;
  /** NAT gateway IDs: one per AZ (`OnePerAz`) or one (`Single`). */
  public readonly natGatewayIds: pulumi.Output<string[]>;
  /** ARN of the KMS-encrypted CloudWatch Logs group that receives the VPC flow logs. */
  public readonly flowLogGroupArn: pulumi.Output<string>;
  /** Security group of the interface endpoints (HTTPS from the VPC CIDR only). */
  public readonly endpointSecurityGroupId: pulumi.Output<string>;
  /** The availability zones used, in AZ order. */
  public readonly availabilityZones: pulumi.Output<string[]>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    // Before super(): an invalid call must fail without registering even the component.
    throwIfInvalid("Network", validateNetworkArgs(args));
    super("acme:network:Network", name, {}, opts);

    const { azCount, region, clusterName } = args;
    const interfaceEndpoints = args.interfaceEndpoints ?? DEFAULT_INTERFACE_ENDPOINTS;
    const plan = planSubnets(args.cidrBlock, azCount);
    const azIndexes = Array.from({ length: azCount }, (_, i) => i);
    const clusterTag = { [`kubernetes.io/cluster/${clusterName}`]: "shared" };

    this.availabilityZones = args.availabilityZoneNames
      ? pulumi.output(args.availabilityZoneNames)
      : aws
          .getAvailabilityZonesOutput(
            {
              state: "available",
              filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
            },
            { parent: this },
          )
          .names.apply((names) => {
            if (names.length < azCount) {
              throw new pulumi.ResourceError(
                `Network: region ${region} has ${names.length} available zone(s) but azCount is ${azCount}; lower azCount or set availabilityZoneNames`,
                this,
              );
            }
            return names.slice(0, azCount);
          });
    const zone = (i: number) => this.availabilityZones.apply((names) => names[i]);

    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: args.cidrBlock,
        enableDnsSupport: true,
        enableDnsHostnames: true,
        tags: { Name: name },
      },
      { parent: this },
    );

    // Created whatever the NAT layout: public subnets and NAT gateways need it, and it is free.
    const igw = new aws.ec2.InternetGateway(
      `${name}-igw`,
      { vpcId: vpc.id, tags: { Name: `${name}-igw` } },
      { parent: this },
    );

    const publicSubnets = azIndexes.map(
      (i) =>
        new aws.ec2.Subnet(
          `${name}-public-${i}`,
          {
            vpcId: vpc.id,
            cidrBlock: plan.public[i],
            availabilityZone: zone(i),
            mapPublicIpOnLaunch: false,
            tags: {
              Name: `${name}-public-${i}`,
              "kubernetes.io/role/elb": "1",
              ...clusterTag,
            },
          },
          { parent: this },
        ),
    );
    const privateSubnets = azIndexes.map(
      (i) =>
        new aws.ec2.Subnet(
          `${name}-private-${i}`,
          {
            vpcId: vpc.id,
            cidrBlock: plan.private[i],
            availabilityZone: zone(i),
            tags: {
              Name: `${name}-private-${i}`,
              "kubernetes.io/role/internal-elb": "1",
              ...clusterTag,
            },
          },
          { parent: this },
        ),
    );

    const publicRouteTable = new aws.ec2.RouteTable(
      `${name}-public-rt`,
      { vpcId: vpc.id, tags: { Name: `${name}-public` } },
      { parent: this },
    );
    new aws.ec2.Route(
      `${name}-public-default-route`,
      { routeTableId: publicRouteTable.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id },
      { parent: this },
    );
    publicSubnets.forEach(
      (subnet, i) =>
        new aws.ec2.RouteTableAssociation(
          `${name}-public-rta-${i}`,
          { subnetId: subnet.id, routeTableId: publicRouteTable.id },
          { parent: this },
        ),
    );

    const natIndexes = args.natGateways === NatGatewayStrategy.Single ? [0] : azIndexes;
    const natGateways = natIndexes.map((i) => {
      // AWS needs the internet gateway attached before it can hand out the EIP and start the NAT.
      const eip = new aws.ec2.Eip(
        `${name}-nat-eip-${i}`,
        { domain: "vpc", tags: { Name: `${name}-nat-${i}` } },
        { parent: this, dependsOn: [igw] },
      );
      return new aws.ec2.NatGateway(
        `${name}-nat-${i}`,
        {
          allocationId: eip.id,
          subnetId: publicSubnets[i].id,
          tags: { Name: `${name}-nat-${i}` },
        },
        { parent: this, dependsOn: [igw] },
      );
    });

    const privateRouteTables = privateSubnets.map((subnet, i) => {
      const routeTable = new aws.ec2.RouteTable(
        `${name}-private-rt-${i}`,
        { vpcId: vpc.id, tags: { Name: `${name}-private-${i}` } },
        { parent: this },
      );
      new aws.ec2.Route(
        `${name}-private-default-route-${i}`,
        {
          routeTableId: routeTable.id,
          destinationCidrBlock: "0.0.0.0/0",
          natGatewayId: natGateways[natGateways.length === 1 ? 0 : i].id,
        },
        { parent: this },
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-private-rta-${i}`,
        { subnetId: subnet.id, routeTableId: routeTable.id },
        { parent: this },
      );
      return routeTable;
    });

    const flowLogGroup = new aws.cloudwatch.LogGroup(
      `${name}-flow-logs`,
      {
        kmsKeyId: args.flowLogs.kmsKeyArn,
        retentionInDays: args.flowLogs.retentionInDays,
        tags: { Name: `${name}-flow-logs` },
      },
      { parent: this, protect: args.protect },
    );
    const flowLogRole = new aws.iam.Role(
      `${name}-flow-logs-role`,
      {
        description: `Lets VPC Flow Logs write the flow logs of ${name} to CloudWatch Logs`,
        assumeRolePolicy: serviceTrustPolicy("vpc-flow-logs.amazonaws.com", {
          condition: {
            StringEquals: { "aws:SourceAccount": args.accountId },
            ArnLike: {
              "aws:SourceArn": pulumi.interpolate`arn:${args.partition}:ec2:${region}:${args.accountId}:vpc-flow-log/*`,
            },
          },
        }),
        tags: { Name: `${name}-flow-logs` },
      },
      { parent: this },
    );
    const flowLogPolicy = new aws.iam.RolePolicy(
      `${name}-flow-logs-policy`,
      {
        role: flowLogRole.id,
        // The group already exists, so no CreateLogGroup/DescribeLogGroups on "*".
        policy: policyDocument([
          {
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: [flowLogGroup.arn, pulumi.interpolate`${flowLogGroup.arn}:*`],
          },
        ]),
      },
      { parent: this },
    );
    new aws.ec2.FlowLog(
      `${name}-flow-log`,
      {
        vpcId: vpc.id,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: flowLogGroup.arn,
        iamRoleArn: flowLogRole.arn,
        maxAggregationInterval: 60,
        tags: { Name: `${name}-flow-logs` },
      },
      // Delivery starts at creation; without the policy the first deliveries fail.
      { parent: this, dependsOn: [flowLogPolicy] },
    );

    const privateRouteTableIds = privateRouteTables.map((rt) => rt.id);
    new aws.ec2.VpcEndpoint(
      `${name}-vpce-s3`,
      {
        vpcId: vpc.id,
        vpcEndpointType: "Gateway",
        serviceName: `com.amazonaws.${region}.s3`,
        routeTableIds: privateRouteTableIds,
        tags: { Name: `${name}-vpce-s3` },
      },
      { parent: this },
    );

    // No egress rule: endpoint network interfaces only answer connections, and the provider
    // removes the allow-all egress rule AWS adds to new groups.
    const endpointSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-endpoints-sg`,
      {
        vpcId: vpc.id,
        description: `Interface VPC endpoints of ${name}: HTTPS from the VPC`,
        tags: { Name: `${name}-endpoints` },
      },
      { parent: this },
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-endpoints-https-in`,
      {
        securityGroupId: endpointSecurityGroup.id,
        description: "HTTPS from the VPC",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: vpc.cidrBlock,
      },
      { parent: this },
    );
    const privateSubnetIds = privateSubnets.map((s) => s.id);
    for (const service of interfaceEndpoints) {
      const endpointName = `${name}-vpce-${service.replace(/\./g, "-")}`;
      new aws.ec2.VpcEndpoint(
        endpointName,
        {
          vpcId: vpc.id,
          vpcEndpointType: "Interface",
          serviceName: `com.amazonaws.${region}.${service}`,
          privateDnsEnabled: true,
          subnetIds: privateSubnetIds,
          securityGroupIds: [endpointSecurityGroup.id],
          tags: { Name: endpointName },
        },
        { parent: this },
      );
    }

    this.vpc = vpc;
    this.vpcId = vpc.id;
    this.vpcCidrBlock = vpc.cidrBlock;
    this.publicSubnetIds = pulumi.all(publicSubnets.map((s) => s.id));
    this.privateSubnetIds = pulumi.all(privateSubnetIds);
    this.privateSubnetIdList = privateSubnetIds;
    this.intraCidrBlocks = plan.intra;
    this.privateCidrBlocks = plan.private;
    this.privateRouteTableIds = pulumi.all(privateRouteTableIds);
    this.natGatewayIds = pulumi.all(natGateways.map((n) => n.id));
    this.flowLogGroupArn = flowLogGroup.arn;
    this.endpointSecurityGroupId = endpointSecurityGroup.id;
    this.registerOutputs({
      vpc: this.vpc,
      vpcId: this.vpcId,
      vpcCidrBlock: this.vpcCidrBlock,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      intraCidrBlocks: this.intraCidrBlocks,
      privateRouteTableIds: this.privateRouteTableIds,
      natGatewayIds: this.natGatewayIds,
      flowLogGroupArn: this.flowLogGroupArn,
      endpointSecurityGroupId: this.endpointSecurityGroupId,
      availabilityZones: this.availabilityZones,
    });
  }
}
