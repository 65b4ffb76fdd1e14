/**
 * The EKS cluster, built from @pulumi/aws resources so that every security-relevant property
 * (encryption, endpoint access, logging, IMDS, volume keys) is visible to tests and the policy pack.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  type AwsContext,
  dependenciesOf,
  managedPolicyArn,
  podIdentityRole,
  policyDocument,
  serviceTrustPolicy,
  throwIfInvalid,
  ValidationError,
  keyUseViaService,
} from "../lib";

/** The EKS add-ons every cluster runs, each pinned to an exact version. */
export const EKS_ADDONS = [
  "vpc-cni",
  "kube-proxy",
  "eks-pod-identity-agent",
  "coredns",
  "aws-ebs-csi-driver",
] as const;
export type EksAddonName = (typeof EKS_ADDONS)[number];

/** Add-ons that run as DaemonSets and must exist before nodes join (networking, identity). */
const BEFORE_NODES: ReadonlySet<EksAddonName> = new Set([
  "vpc-cni",
  "kube-proxy",
  "eks-pod-identity-agent",
]);

/** Every control-plane log type EKS offers; all are on (EKS.8 and CKV_AWS_37). */
export const CONTROL_PLANE_LOG_TYPES = [
  "api",
  "audit",
  "authenticator",
  "controllerManager",
  "scheduler",
];

/**
 * The AWS managed policies attached to the cluster's roles (names under `arn:<partition>:iam::aws:policy/`);
 * the deployer may attach these and no other.
 */
export const EKS_MANAGED_POLICIES = {
  cluster: "AmazonEKSClusterPolicy",
  /** The node role carries only what the kubelet and the VPC CNI need. */
  node: ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly", "AmazonEKS_CNI_Policy"],
  ebsCsi: "service-role/AmazonEBSCSIDriverPolicy",
} as const;

/** The service account of the EBS CSI controller, which gets an IAM role through Pod Identity. */
const EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa";

/** The name of the default StorageClass this component creates. */
export const DEFAULT_STORAGE_CLASS = "gp3-encrypted";

/** One managed node group. */
export interface NodeGroupSpec {
  /** EC2 instance types; all x86_64 or all Graviton (arm64), which decides the AMI type. */
  instanceTypes: string[];
  /** `ON_DEMAND` or `SPOT`. */
  capacityType: "ON_DEMAND" | "SPOT";
  minSize: number;
  desiredSize: number;
  maxSize: number;
  /** Root volume size in GiB (gp3, encrypted with the volumes key). */
  diskSizeGiB: number;
}

/** Arguments of {@link EksCluster}. */
export interface EksClusterArgs extends AwsContext {
  /** The EKS cluster name (physical; the control-plane log group is named after it). */
  clusterName: string;
  /** Kubernetes minor version, e.g. "1.34". */
  version: string;
  /**
   * `STANDARD` upgrades the cluster when standard support ends; `EXTENDED` keeps it (at a cost).
   * @default "STANDARD"
   */
  supportType?: "STANDARD" | "EXTENDED";
  vpcId: pulumi.Input<string>;
  /** Private subnets for the control-plane ENIs and the nodes. */
  privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Key for envelope encryption of Kubernetes Secrets (cannot be changed once set). */
  secretsKeyArn: pulumi.Input<string>;
  /** Key of the control-plane log group. */
  logsKeyArn: pulumi.Input<string>;
  /** Key of node root volumes and of the default StorageClass. */
  volumesKeyArn: pulumi.Input<string>;
  /** Retention of the control-plane log group, in days. */
  logRetentionInDays: number;
  /**
   * Public API endpoint. Off by default; when on, `publicAccessCidrs` is required.
   * @default false
   */
  endpointPublicAccess?: boolean;
  /** CIDRs allowed to reach the public endpoint; never 0.0.0.0/0. */
  publicAccessCidrs?: string[];
  /** IAM roles given cluster-admin through access entries (besides the identity running Pulumi). */
  adminRoleArns?: string[];
  /**
   * The in-VPC deployer (see `Deployer`): the control-plane security group admits its security
   * group on 443, the only source it admits, and its role gets cluster-admin through an access
   * entry, because `pulumi up` creates cluster-scoped objects (CRDs, ClusterRoles, webhooks).
   * Required when `endpointPublicAccess` is false, or nothing outside the cluster reaches the API.
   * @default undefined (no in-VPC client: the control-plane security group admits nothing)
   */
  deployer?: { roleArn: pulumi.Input<string>; securityGroupId: pulumi.Input<string> };
  /**
   * Register only AWS resources: no Kubernetes object (the default StorageClass). The first
   * `pulumi up` of a stack whose endpoint is private runs outside the VPC and cannot reach the
   * API; it creates the cluster and the deployer, which runs the second (docs/first-deployment.md).
   * @default false
   */
  awsOnly?: boolean;
  /** Exact versions of every add-on in {@link EKS_ADDONS}. */
  addonVersions: Record<EksAddonName, string>;
  /** Managed node groups by name. */
  nodeGroups: Record<string, NodeGroupSpec>;
  /**
   * IMDSv2 response hop limit on nodes; 1 keeps containers away from the node role's credentials.
   * @default 1
   */
  metadataHopLimit?: number;
  /** Protect the cluster and its log group from `pulumi destroy` (also sets EKS deletion protection). */
  protect?: boolean;
}

const GRAVITON = /^[a-z]+\d+g[a-z]*\./;

/** Validates {@link EksClusterArgs}; returns every problem. */
export function validateEksClusterArgs(args: EksClusterArgs): ValidationError[] {
  const errors: ValidationError[] = [];
  const cidrs = args.publicAccessCidrs ?? [];
  if (args.endpointPublicAccess && cidrs.length === 0) {
    errors.push({
      propertyPath: "publicAccessCidrs",
      reason:
        "is required when endpointPublicAccess is true; list the CIDRs allowed to reach the API",
    });
  }
  if (cidrs.some((c) => c.endsWith("/0"))) {
    errors.push({
      propertyPath: "publicAccessCidrs",
      reason: "must not contain a /0 block; list specific CIDRs",
    });
  }
  if (!args.endpointPublicAccess && !args.deployer) {
    errors.push({
      propertyPath: "deployer",
      reason:
        "is required when endpointPublicAccess is false: the API endpoint is private and nothing else may reach it; pass the in-VPC Deployer",
    });
  }
  if (!args.endpointPublicAccess && cidrs.length > 0) {
    errors.push({
      propertyPath: "publicAccessCidrs",
      reason: "is set but endpointPublicAccess is false; remove it or enable the public endpoint",
    });
  }
  for (const addon of EKS_ADDONS) {
    if (!args.addonVersions[addon]) {
      errors.push({
        propertyPath: `addonVersions.${addon}`,
        reason: "is required; pin an exact version (aws eks describe-addon-versions)",
      });
    }
  }
  if (Object.keys(args.nodeGroups).length === 0) {
    errors.push({ propertyPath: "nodeGroups", reason: "needs at least one node group" });
  }
  for (const [group, spec] of Object.entries(args.nodeGroups)) {
    const arm = spec.instanceTypes.filter((t) => GRAVITON.test(t));
    if (arm.length > 0 && arm.length < spec.instanceTypes.length) {
      errors.push({
        propertyPath: `nodeGroups.${group}.instanceTypes`,
        reason: `mixes arm64 (${arm.join(", ")}) and x86_64 types; one AMI serves one architecture, so split the group`,
      });
    }
    if (!(
      spec.minSize <= spec.desiredSize &&
      spec.desiredSize <= spec.maxSize &&
      spec.maxSize > 0
    )) {
      errors.push({
        propertyPath: `nodeGroups.${group}`,
        reason: `sizes must satisfy minSize <= desiredSize <= maxSize, maxSize > 0 (got ${spec.minSize}/${spec.desiredSize}/${spec.maxSize})`,
      });
    }
  }
  const hops = args.metadataHopLimit ?? 1;
  if (hops !== 1 && hops !== 2) {
    errors.push({ propertyPath: "metadataHopLimit", reason: `must be 1 or 2 (got ${hops})` });
  }
  return errors;
}

/**
 * An EKS cluster with managed node groups, pinned add-ons, Pod Identity, a default encrypted
 * StorageClass and a Kubernetes provider bound to it.
 *
 * Workload identity is EKS Pod Identity (the `eks-pod-identity-agent` add-on plus
 * `aws.eks.PodIdentityAssociation`): role trust policies name `pods.eks.amazonaws.com` instead of
 * a per-cluster OIDC issuer, so roles survive a cluster replacement and no OIDC provider is kept.
 */
export class EksCluster extends pulumi.ComponentResource {
  public readonly cluster: aws.eks.Cluster;
  public readonly clusterName: pulumi.Output<string>;
  public readonly clusterArn: pulumi.Output<string>;
  public readonly endpoint: pulumi.Output<string>;
  public readonly clusterSecurityGroupId: pulumi.Output<string>;
  public readonly nodeRoleArn: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  /** The Kubernetes provider later components receive to create in-cluster resources. */
  public readonly kubernetesProvider: k8s.Provider;
  public readonly defaultStorageClassName: pulumi.Output<string>;
  public readonly nodeGroups: Readonly<Record<string, aws.eks.NodeGroup>>;
  public readonly addons: Readonly<Record<EksAddonName, aws.eks.Addon>>;

  constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): a bad argument must fail before anything, the component included, registers.
    throwIfInvalid("EksCluster", validateEksClusterArgs(args));
    super("acme:cluster:EksCluster", name, {}, opts);
    // Waits for opts.dependsOn (the network: nodes need its NAT routes to join; the convention in
    // components/lib/options.ts).
    const deps = dependenciesOf(opts);

    const protect = args.protect ?? false;
    const endpointPublicAccess = args.endpointPublicAccess ?? false;

    // Control-plane logs go to a group we own, so it is KMS-encrypted and has a retention;
    // EKS would otherwise create it unencrypted and kept forever. The name is fixed by EKS.
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-control-plane`,
      {
        name: `/aws/eks/${args.clusterName}/cluster`,
        kmsKeyId: args.logsKeyArn,
        retentionInDays: args.logRetentionInDays,
      },
      { parent: this, protect },
    );

    const clusterRole = new aws.iam.Role(
      `${name}-cluster`,
      {
        description: `EKS control plane of ${args.clusterName}`,
        assumeRolePolicy: serviceTrustPolicy("eks.amazonaws.com", {
          actions: ["sts:AssumeRole", "sts:TagSession"],
        }),
      },
      { parent: this },
    );
    const clusterPolicy = new aws.iam.RolePolicyAttachment(
      `${name}-cluster-policy`,
      {
        role: clusterRole.name,
        policyArn: managedPolicyArn(args.partition, EKS_MANAGED_POLICIES.cluster),
      },
      { parent: this },
    );

    // The private endpoint's ENIs carry this group, which admits HTTPS from the deployer only
    // (not the whole VPC: the MSK, pipe and endpoint ENIs have no business with the API). Nodes
    // and pods talk to the control plane through the EKS-managed cluster security group.
    const controlPlaneSg = new aws.ec2.SecurityGroup(
      `${name}-control-plane`,
      {
        vpcId: args.vpcId,
        description: `Kubernetes API of ${args.clusterName} from the in-VPC deployer`,
      },
      { parent: this },
    );
    if (args.deployer) {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-api-from-deployer`,
        {
          securityGroupId: controlPlaneSg.id,
          description: "Kubernetes API over HTTPS from the in-VPC deployer",
          ipProtocol: "tcp",
          fromPort: 443,
          toPort: 443,
          referencedSecurityGroupId: args.deployer.securityGroupId,
        },
        { parent: this },
      );
    }

    this.cluster = new aws.eks.Cluster(
      `${name}-cluster`,
      {
        name: args.clusterName,
        version: args.version,
        roleArn: clusterRole.arn,
        upgradePolicy: { supportType: args.supportType ?? "STANDARD" },
        deletionProtection: protect,
        // Managed add-ons replace the self-managed defaults so every version is pinned here.
        bootstrapSelfManagedAddons: false,
        accessConfig: {
          authenticationMode: "API",
          // The identity running `pulumi up` gets cluster-admin, so the Kubernetes provider below
          // can create in-cluster resources in the same run.
          bootstrapClusterCreatorAdminPermissions: true,
        },
        encryptionConfig: { resources: ["secrets"], provider: { keyArn: args.secretsKeyArn } },
        vpcConfig: {
          subnetIds: args.privateSubnetIds,
          securityGroupIds: [controlPlaneSg.id],
          endpointPrivateAccess: true,
          endpointPublicAccess,
          ...(endpointPublicAccess ? { publicAccessCidrs: args.publicAccessCidrs } : {}),
        },
        enabledClusterLogTypes: CONTROL_PLANE_LOG_TYPES,
      },
      { parent: this, protect, dependsOn: [logGroup, clusterPolicy, ...deps] },
    );
    const clusterName = this.cluster.name;

    const admins: [string, pulumi.Input<string>][] = [
      ...(args.adminRoleArns ?? []).map((arn, i): [string, string] => [`admin-${i}`, arn]),
      ...(args.deployer
        ? [["deployer", args.deployer.roleArn] as [string, pulumi.Input<string>]]
        : []),
    ];
    for (const [suffix, roleArn] of admins) {
      const entry = new aws.eks.AccessEntry(
        `${name}-${suffix}`,
        { clusterName, principalArn: roleArn, type: "STANDARD" },
        { parent: this },
      );
      new aws.eks.AccessPolicyAssociation(
        `${name}-${suffix}`,
        {
          clusterName,
          principalArn: roleArn,
          policyArn: pulumi.interpolate`arn:${args.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
          accessScope: { type: "cluster" },
        },
        { parent: this, dependsOn: [entry] },
      );
    }

    // Nodes: the role carries only what the kubelet and the VPC CNI need. The CNI keeps its
    // permissions on the node role because it must assign pod IPs before any pod, the Pod
    // Identity agent included, can run.
    const nodeRole = new aws.iam.Role(
      `${name}-node`,
      {
        description: `Managed nodes of ${args.clusterName}`,
        assumeRolePolicy: serviceTrustPolicy("ec2.amazonaws.com"),
      },
      { parent: this },
    );
    const nodePolicies = EKS_MANAGED_POLICIES.node.map(
      (policy) =>
        new aws.iam.RolePolicyAttachment(
          `${name}-node-${policy}`,
          { role: nodeRole.name, policyArn: managedPolicyArn(args.partition, policy) },
          { parent: this },
        ),
    );

    const addons = {} as Record<EksAddonName, aws.eks.Addon>;
    for (const addon of EKS_ADDONS.filter((a) => BEFORE_NODES.has(a))) {
      addons[addon] = new aws.eks.Addon(
        `${name}-${addon}`,
        {
          clusterName,
          addonName: addon,
          addonVersion: args.addonVersions[addon],
          resolveConflictsOnCreate: "OVERWRITE",
          resolveConflictsOnUpdate: "PRESERVE",
          // The VPC CNI enforces Kubernetes NetworkPolicies only when asked to; the mesh's
          // namespaces rely on them as a second fence behind Linkerd's authorization.
          ...(addon === "vpc-cni"
            ? { configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }) }
            : {}),
        },
        { parent: this },
      );
    }

    const hopLimit = args.metadataHopLimit ?? 1;
    const nodeGroups: Record<string, aws.eks.NodeGroup> = {};
    for (const [group, spec] of Object.entries(args.nodeGroups)) {
      const launchTemplate = new aws.ec2.LaunchTemplate(
        `${name}-${group}`,
        {
          description: `Nodes of ${args.clusterName}/${group}: encrypted gp3 root, IMDSv2 only`,
          updateDefaultVersion: true,
          blockDeviceMappings: [
            {
              deviceName: "/dev/xvda",
              ebs: {
                volumeType: "gp3",
                volumeSize: spec.diskSizeGiB,
                encrypted: "true",
                kmsKeyId: args.volumesKeyArn,
                deleteOnTermination: "true",
              },
            },
          ],
          metadataOptions: {
            httpEndpoint: "enabled",
            httpTokens: "required",
            httpPutResponseHopLimit: hopLimit,
            instanceMetadataTags: "disabled",
          },
          tagSpecifications: [
            { resourceType: "instance", tags: { Name: `${args.clusterName}-${group}` } },
            { resourceType: "volume", tags: { Name: `${args.clusterName}-${group}` } },
          ],
        },
        { parent: this },
      );
      const arm = spec.instanceTypes.every((t) => GRAVITON.test(t));
      nodeGroups[group] = new aws.eks.NodeGroup(
        `${name}-${group}`,
        {
          clusterName,
          nodeGroupNamePrefix: `${group}-`,
          version: this.cluster.version,
          nodeRoleArn: nodeRole.arn,
          subnetIds: args.privateSubnetIds,
          amiType: arm ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD",
          capacityType: spec.capacityType,
          instanceTypes: spec.instanceTypes,
          scalingConfig: {
            minSize: spec.minSize,
            desiredSize: spec.desiredSize,
            maxSize: spec.maxSize,
          },
          updateConfig: { maxUnavailablePercentage: 33 },
          launchTemplate: {
            id: launchTemplate.id,
            version: launchTemplate.latestVersion.apply(String),
          },
          labels: { "acme.io/node-group": group },
        },
        {
          parent: this,
          dependsOn: [...nodePolicies, ...Object.values(addons), ...deps],
          // A cluster autoscaler owns the desired size once nodes run.
          ignoreChanges: ["scalingConfig.desiredSize"],
        },
      );
    }
    this.nodeGroups = nodeGroups;

    // The EBS CSI controller gets its own role through Pod Identity: the AWS managed policy for
    // volume operations, plus use of the volumes key only through EC2 and grants only for AWS
    // resources (https://docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html).
    // The add-on associates the role with its service account itself (podIdentityAssociations).
    const ebsCsi = podIdentityRole(
      `${name}-ebs-csi`,
      {
        description: `EBS CSI controller of ${args.clusterName}`,
        accountId: args.accountId,
        clusterName: args.clusterName,
        namespace: "kube-system",
        serviceAccount: EBS_CSI_SERVICE_ACCOUNT,
        managedPolicyArns: {
          [`${name}-ebs-csi-managed`]: managedPolicyArn(
            args.partition,
            EKS_MANAGED_POLICIES.ebsCsi,
          ),
        },
        inlinePolicies: {
          [`${name}-ebs-csi-kms`]: policyDocument([
            {
              Sid: "GrantsForAttachedVolumes",
              Effect: "Allow",
              Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
              Resource: args.volumesKeyArn,
              Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
            },
            {
              Sid: "UseThroughEc2",
              ...keyUseViaService(args.volumesKeyArn, "ec2", args.region, [
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:DescribeKey",
              ]),
            },
          ]),
        },
        associate: false,
      },
      { parent: this },
    );
    const ebsCsiRole = ebsCsi.role;
    const ebsCsiPolicies = ebsCsi.ready;

    const afterNodes = Object.values(nodeGroups);
    addons.coredns = new aws.eks.Addon(
      `${name}-coredns`,
      {
        clusterName,
        addonName: "coredns",
        addonVersion: args.addonVersions.coredns,
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "PRESERVE",
      },
      { parent: this, dependsOn: afterNodes },
    );
    addons["aws-ebs-csi-driver"] = new aws.eks.Addon(
      `${name}-aws-ebs-csi-driver`,
      {
        clusterName,
        addonName: "aws-ebs-csi-driver",
        addonVersion: args.addonVersions["aws-ebs-csi-driver"],
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "PRESERVE",
        podIdentityAssociations: [
          { roleArn: ebsCsiRole.arn, serviceAccount: EBS_CSI_SERVICE_ACCOUNT },
        ],
      },
      { parent: this, dependsOn: [...afterNodes, ...ebsCsiPolicies] },
    );
    this.addons = addons;

    // Kubeconfig that authenticates with `aws eks get-token`, the way `aws eks update-kubeconfig`
    // writes it; the certificate and endpoint come from the cluster.
    const kubeconfig = pulumi
      .all([this.cluster.name, this.cluster.endpoint, this.cluster.certificateAuthority])
      .apply(([cluster, endpoint, ca]) =>
        JSON.stringify({
          apiVersion: "v1",
          kind: "Config",
          clusters: [
            { name: cluster, cluster: { server: endpoint, "certificate-authority-data": ca.data } },
          ],
          contexts: [{ name: cluster, context: { cluster, user: cluster } }],
          "current-context": cluster,
          users: [
            {
              name: cluster,
              user: {
                exec: {
                  apiVersion: "client.authentication.k8s.io/v1beta1",
                  command: "aws",
                  args: [
                    "eks",
                    "get-token",
                    "--cluster-name",
                    cluster,
                    "--region",
                    args.region,
                    "--output",
                    "json",
                  ],
                },
              },
            },
          ],
        }),
      );
    this.kubernetesProvider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig: pulumi.secret(kubeconfig), deleteUnreachable: false },
      { parent: this, dependsOn: afterNodes },
    );

    // The only default StorageClass: gp3, encrypted with the volumes key. EKS 1.30 and later no
    // longer mark the built-in gp2 class as default, so no second default exists. Not in an
    // AWS-only run, which cannot reach the API (the name is still the one the second run creates).
    const storageClass = args.awsOnly
      ? undefined
      : new k8s.storage.v1.StorageClass(
          `${name}-gp3`,
          {
            metadata: {
              name: DEFAULT_STORAGE_CLASS,
              annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
            },
            provisioner: "ebs.csi.aws.com",
            parameters: {
              type: "gp3",
              encrypted: "true",
              kmsKeyId: args.volumesKeyArn,
              "csi.storage.k8s.io/fstype": "ext4",
            },
            reclaimPolicy: "Delete",
            volumeBindingMode: "WaitForFirstConsumer",
            allowVolumeExpansion: true,
          },
          {
            parent: this,
            provider: this.kubernetesProvider,
            dependsOn: [addons["aws-ebs-csi-driver"]],
          },
        );

    this.clusterName = clusterName;
    this.clusterArn = this.cluster.arn;
    this.endpoint = this.cluster.endpoint;
    this.clusterSecurityGroupId = this.cluster.vpcConfig.apply(
      (v) => v.clusterSecurityGroupId ?? "",
    );
    this.nodeRoleArn = nodeRole.arn;
    this.logGroupName = logGroup.name;
    this.defaultStorageClassName = storageClass
      ? storageClass.metadata.name
      : pulumi.output(DEFAULT_STORAGE_CLASS);
    this.registerOutputs({
      clusterName: this.clusterName,
      clusterArn: this.clusterArn,
      endpoint: this.endpoint,
      clusterSecurityGroupId: this.clusterSecurityGroupId,
      nodeRoleArn: this.nodeRoleArn,
      logGroupName: this.logGroupName,
      defaultStorageClassName: this.defaultStorageClassName,
    });
  }
}
