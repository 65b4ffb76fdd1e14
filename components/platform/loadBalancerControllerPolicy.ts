/**
 * The IAM policy of the AWS Load Balancer Controller v3.5.0, as typed statements grouped by what
 * the controller does with them.
 *
 * Source: kubernetes-sigs/aws-load-balancer-controller `docs/install/iam_policy.json` at tag
 * v3.5.0 (commit 11eb202c97e4). It grants the same actions under the same tag-based conditions as
 * the upstream document, with three narrowings. Each of them keeps every call the controller
 * makes for its own cluster:
 *
 * 1. Ownership conditions compare the value of `elbv2.k8s.aws/cluster` with this cluster's name.
 *    Upstream only requires the tag to be present (`Null: false`). The controller writes its
 *    cluster name as the value (pkg/deploy/tracking/provider.go). With the value compared, a
 *    controller can no longer modify or delete the load balancers, target groups and security
 *    groups of another cluster in the same account.
 * 2. The unconditioned `ec2:AuthorizeSecurityGroupIngress` / `RevokeSecurityGroupIngress` grant
 *    is limited to security groups in the cluster's VPC (`ec2:Vpc`). The installation guide
 *    recommends this (docs/deploy/installation.md, "Configure IAM").
 * 3. Resource ARNs name this partition, Region and account instead of `*`.
 *
 * When the chart is upgraded, diff the new tag's iam_policy.json against this file.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PolicyStatement } from "../lib";

/** The tag the controller puts on every AWS resource it creates; its value is the cluster name. */
export const CLUSTER_TAG = "elbv2.k8s.aws/cluster";

/** Where the controller runs: what the ARNs and ownership conditions name. */
export interface LoadBalancerControllerPolicyScope {
  partition: pulumi.Input<string>;
  region: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
  /** The EKS cluster name, which the controller writes as the value of {@link CLUSTER_TAG}. */
  clusterName: pulumi.Input<string>;
  /** The cluster's VPC; security-group rule changes are limited to it. */
  vpcId: pulumi.Input<string>;
}

/** Read-only discovery: subnets, security groups, instances, load balancers and their state. */
const DESCRIBE_ACTIONS = [
  "ec2:DescribeAccountAttributes",
  "ec2:DescribeAddresses",
  "ec2:DescribeAvailabilityZones",
  "ec2:DescribeInternetGateways",
  "ec2:DescribeVpcs",
  "ec2:DescribeVpcPeeringConnections",
  "ec2:DescribeSubnets",
  "ec2:DescribeSecurityGroups",
  "ec2:DescribeInstances",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeTags",
  "ec2:GetCoipPoolUsage",
  "ec2:DescribeCoipPools",
  "ec2:GetSecurityGroupsForVpc",
  "ec2:DescribeIpamPools",
  "ec2:DescribeRouteTables",
  "elasticloadbalancing:DescribeLoadBalancers",
  "elasticloadbalancing:DescribeLoadBalancerAttributes",
  "elasticloadbalancing:DescribeListeners",
  "elasticloadbalancing:DescribeListenerCertificates",
  "elasticloadbalancing:DescribeSSLPolicies",
  "elasticloadbalancing:DescribeRules",
  "elasticloadbalancing:DescribeTargetGroups",
  "elasticloadbalancing:DescribeTargetGroupAttributes",
  "elasticloadbalancing:DescribeTargetHealth",
  "elasticloadbalancing:DescribeTags",
  "elasticloadbalancing:DescribeTrustStores",
  "elasticloadbalancing:DescribeListenerAttributes",
  "elasticloadbalancing:DescribeCapacityReservation",
];

/** Integrations an Ingress can ask for: Cognito auth, ACM/IAM certificates, WAF and Shield. */
const INTEGRATION_ACTIONS = [
  "cognito-idp:DescribeUserPoolClient",
  "acm:ListCertificates",
  "acm:DescribeCertificate",
  "iam:ListServerCertificates",
  "iam:GetServerCertificate",
  "waf-regional:GetWebACL",
  "waf-regional:GetWebACLForResource",
  "waf-regional:AssociateWebACL",
  "waf-regional:DisassociateWebACL",
  "wafv2:GetWebACL",
  "wafv2:GetWebACLForResource",
  "wafv2:AssociateWebACL",
  "wafv2:DisassociateWebACL",
  "shield:GetSubscriptionState",
  "shield:DescribeProtection",
  "shield:CreateProtection",
  "shield:DeleteProtection",
];

/** Changes to load balancers and target groups this cluster's controller created. */
const OWNED_LOAD_BALANCER_ACTIONS = [
  "elasticloadbalancing:ModifyLoadBalancerAttributes",
  "elasticloadbalancing:SetIpAddressType",
  "elasticloadbalancing:SetSecurityGroups",
  "elasticloadbalancing:SetSubnets",
  "elasticloadbalancing:DeleteLoadBalancer",
  "elasticloadbalancing:ModifyTargetGroup",
  "elasticloadbalancing:ModifyTargetGroupAttributes",
  "elasticloadbalancing:DeleteTargetGroup",
  "elasticloadbalancing:ModifyListenerAttributes",
  "elasticloadbalancing:ModifyCapacityReservation",
  "elasticloadbalancing:ModifyIpPools",
];

/** Listener and rule changes; unconditioned upstream too, since listeners carry no cluster tag. */
const LISTENER_ACTIONS = [
  "elasticloadbalancing:SetWebAcl",
  "elasticloadbalancing:ModifyListener",
  "elasticloadbalancing:AddListenerCertificates",
  "elasticloadbalancing:RemoveListenerCertificates",
  "elasticloadbalancing:ModifyRule",
  "elasticloadbalancing:SetRulePriorities",
];

/**
 * The controller's least-privilege policy for v3.5.0 (see the module comment for the source and
 * the narrowings). Every statement has a Sid naming its purpose.
 */
export function loadBalancerControllerStatements(
  scope: LoadBalancerControllerPolicyScope,
): PolicyStatement[] {
  const { partition, region, accountId, clusterName, vpcId } = scope;
  const ec2 = (resource: pulumi.Input<string>) =>
    pulumi.interpolate`arn:${partition}:ec2:${region}:${accountId}:${resource}`;
  const elb = (resource: string) =>
    pulumi.interpolate`arn:${partition}:elasticloadbalancing:${region}:${accountId}:${resource}`;
  const securityGroups = ec2("security-group/*");
  const loadBalancersAndTargetGroups = [
    elb("targetgroup/*/*"),
    elb("loadbalancer/net/*/*"),
    elb("loadbalancer/app/*/*"),
  ];
  // The resource already belongs to this cluster.
  const ownedByCluster = { [`aws:ResourceTag/${CLUSTER_TAG}`]: clusterName };
  // The create request tags the new resource as this cluster's.
  const taggedForCluster = { [`aws:RequestTag/${CLUSTER_TAG}`]: clusterName };

  return [
    // --- Account setup ---------------------------------------------------------------------------
    {
      Sid: "CreateElbServiceLinkedRole",
      Effect: "Allow",
      Action: "iam:CreateServiceLinkedRole",
      Resource: "*",
      Condition: {
        StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" },
      },
    },
    // --- Discovery (read-only; these APIs take no resource ARN) ---------------------------------
    { Sid: "Describe", Effect: "Allow", Action: DESCRIBE_ACTIONS, Resource: "*" },
    { Sid: "IngressIntegrations", Effect: "Allow", Action: INTEGRATION_ACTIONS, Resource: "*" },
    // --- Security groups -------------------------------------------------------------------------
    {
      // Opens the node and pod security groups (not created by the controller) to the load
      // balancer's security group; only inside the cluster's VPC.
      Sid: "AllowLoadBalancerTrafficInVpc",
      Effect: "Allow",
      Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
      Resource: "*",
      Condition: { ArnEquals: { "ec2:Vpc": ec2(pulumi.interpolate`vpc/${vpcId}`) } },
    },
    {
      Sid: "CreateSecurityGroups",
      Effect: "Allow",
      Action: "ec2:CreateSecurityGroup",
      Resource: "*",
    },
    {
      Sid: "TagSecurityGroupsOnCreate",
      Effect: "Allow",
      Action: "ec2:CreateTags",
      Resource: securityGroups,
      Condition: {
        StringEquals: { "ec2:CreateAction": "CreateSecurityGroup", ...taggedForCluster },
      },
    },
    {
      // Retags an owned group; the request may not touch the ownership tag itself.
      Sid: "RetagOwnedSecurityGroups",
      Effect: "Allow",
      Action: ["ec2:CreateTags", "ec2:DeleteTags"],
      Resource: securityGroups,
      Condition: {
        Null: { [`aws:RequestTag/${CLUSTER_TAG}`]: "true" },
        StringEquals: ownedByCluster,
      },
    },
    {
      Sid: "ManageOwnedSecurityGroups",
      Effect: "Allow",
      Action: [
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:DeleteSecurityGroup",
      ],
      Resource: "*",
      Condition: { StringEquals: ownedByCluster },
    },
    // --- Load balancers and target groups --------------------------------------------------------
    {
      Sid: "CreateTaggedLoadBalancers",
      Effect: "Allow",
      Action: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
      Resource: "*",
      Condition: { StringEquals: taggedForCluster },
    },
    {
      Sid: "TagLoadBalancersOnCreate",
      Effect: "Allow",
      Action: "elasticloadbalancing:AddTags",
      Resource: loadBalancersAndTargetGroups,
      Condition: {
        StringEquals: {
          "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"],
          ...taggedForCluster,
        },
      },
    },
    {
      Sid: "RetagOwnedLoadBalancers",
      Effect: "Allow",
      Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
      Resource: loadBalancersAndTargetGroups,
      Condition: {
        Null: { [`aws:RequestTag/${CLUSTER_TAG}`]: "true" },
        StringEquals: ownedByCluster,
      },
    },
    {
      Sid: "ManageOwnedLoadBalancers",
      Effect: "Allow",
      Action: OWNED_LOAD_BALANCER_ACTIONS,
      Resource: "*",
      Condition: { StringEquals: ownedByCluster },
    },
    {
      // TargetGroupBindings may point at target groups created outside the controller.
      Sid: "RegisterTargets",
      Effect: "Allow",
      Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
      Resource: elb("targetgroup/*/*"),
    },
    // --- Listeners and rules ---------------------------------------------------------------------
    {
      Sid: "CreateListenersAndRules",
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:CreateListener",
        "elasticloadbalancing:DeleteListener",
        "elasticloadbalancing:CreateRule",
        "elasticloadbalancing:DeleteRule",
      ],
      Resource: "*",
    },
    {
      Sid: "TagListenersAndRules",
      Effect: "Allow",
      Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
      Resource: [
        elb("listener/net/*/*/*"),
        elb("listener/app/*/*/*"),
        elb("listener-rule/net/*/*/*"),
        elb("listener-rule/app/*/*/*"),
      ],
    },
    { Sid: "ModifyListenersAndRules", Effect: "Allow", Action: LISTENER_ACTIONS, Resource: "*" },
  ];
}
