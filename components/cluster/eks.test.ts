import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type { Capture, CapturedResource } from "../../tools/mocks";
import {
  MOCK_ACCOUNT_ID,
  mockPlatform,
  ofType,
  policyOf,
  single,
  TEST_REGION,
} from "../../tools/testing";
import {
  CONTROL_PLANE_LOG_TYPES,
  EKS_ADDONS,
  EksCluster,
  type EksClusterArgs,
  validateEksClusterArgs,
} from "./eks";

const KEYS = {
  secrets: `arn:aws:kms:${TEST_REGION}:${MOCK_ACCOUNT_ID}:key/secrets`,
  logs: `arn:aws:kms:${TEST_REGION}:${MOCK_ACCOUNT_ID}:key/logs`,
  volumes: `arn:aws:kms:${TEST_REGION}:${MOCK_ACCOUNT_ID}:key/volumes`,
};
const VERSIONS = {
  "vpc-cni": "v1.20.4-eksbuild.1",
  coredns: "v1.12.4-eksbuild.1",
  "kube-proxy": "v1.34.1-eksbuild.2",
  "aws-ebs-csi-driver": "v1.56.0-eksbuild.1",
  "eks-pod-identity-agent": "v1.3.10-eksbuild.2",
};

const DEPLOYER = {
  roleArn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/deployer`,
  securityGroupId: "sg-0deployer0000000",
};

function args(overrides: Partial<EksClusterArgs> = {}): EksClusterArgs {
  return {
    clusterName: "acme-test",
    version: "1.34",
    vpcId: "vpc-0123456789abcdef0",
    privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"],
    accountId: MOCK_ACCOUNT_ID,
    partition: "aws",
    region: TEST_REGION,
    secretsKeyArn: KEYS.secrets,
    logsKeyArn: KEYS.logs,
    volumesKeyArn: KEYS.volumes,
    logRetentionInDays: 90,
    addonVersions: VERSIONS,
    deployer: DEPLOYER,
    nodeGroups: {
      system: {
        instanceTypes: ["m7i.large"],
        capacityType: "ON_DEMAND",
        minSize: 2,
        desiredSize: 2,
        maxSize: 4,
        diskSizeGiB: 50,
      },
      arm: {
        instanceTypes: ["m7g.large", "c7g.large"],
        capacityType: "SPOT",
        minSize: 0,
        desiredSize: 1,
        maxSize: 5,
        diskSizeGiB: 80,
      },
    },
    ...overrides,
  };
}

describe("EksCluster", () => {
  let capture: Capture;
  let urn: string;
  const inComponent = (type: string) => ofType(capture, type, urn);

  before(async () => {
    capture = await mockPlatform();
    const cluster = new EksCluster("eks", args());
    new EksCluster(
      "public",
      args({
        clusterName: "acme-public",
        endpointPublicAccess: true,
        publicAccessCidrs: ["203.0.113.0/24"],
        deployer: undefined,
        protect: true,
        adminRoleArns: [`arn:aws:iam::${MOCK_ACCOUNT_ID}:role/platform-admin`],
      }),
    );
    new EksCluster("bootstrap", args({ clusterName: "acme-bootstrap", awsOnly: true }));
    await capture.settle();
    urn = await new Promise<string>((resolve) => cluster.urn.apply(resolve));
  });

  it("encrypts secrets with the cluster-secrets key, keeps the endpoint private and logs everything", () => {
    const [cluster] = inComponent("aws:eks/cluster:Cluster");
    assert.deepEqual(cluster.inputs.encryptionConfig, {
      resources: ["secrets"],
      provider: { keyArn: KEYS.secrets },
    });
    const vpc = cluster.inputs.vpcConfig as Record<string, unknown>;
    assert.equal(vpc.endpointPrivateAccess, true);
    assert.equal(vpc.endpointPublicAccess, false);
    assert.equal("publicAccessCidrs" in vpc, false);
    assert.deepEqual(vpc.subnetIds, ["subnet-a", "subnet-b", "subnet-c"]);
    assert.deepEqual(cluster.inputs.enabledClusterLogTypes, CONTROL_PLANE_LOG_TYPES);
    assert.deepEqual(CONTROL_PLANE_LOG_TYPES, [
      "api",
      "audit",
      "authenticator",
      "controllerManager",
      "scheduler",
    ]);
    assert.deepEqual(cluster.inputs.accessConfig, {
      authenticationMode: "API",
      bootstrapClusterCreatorAdminPermissions: true,
    });
    assert.equal(cluster.inputs.bootstrapSelfManagedAddons, false);
    assert.equal(cluster.inputs.deletionProtection, false);
    assert.equal(cluster.protect, false);
  });

  it("sends control-plane logs to a KMS-encrypted group that exists before the cluster", () => {
    const [group] = inComponent("aws:cloudwatch/logGroup:LogGroup");
    assert.equal(group.inputs.name, "/aws/eks/acme-test/cluster");
    assert.equal(group.inputs.kmsKeyId, KEYS.logs);
    assert.equal(group.inputs.retentionInDays, 90);
    const [cluster] = inComponent("aws:eks/cluster:Cluster");
    assert.ok(cluster.dependencies.includes(group.urn));
  });

  it("admits the API over HTTPS from the deployer's security group only, and makes it cluster-admin", () => {
    const rules = inComponent("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    assert.equal(rules.length, 1);
    const [controlPlaneSg] = inComponent("aws:ec2/securityGroup:SecurityGroup");
    assert.deepEqual(rules[0].inputs, {
      securityGroupId: controlPlaneSg.id,
      description: "Kubernetes API over HTTPS from the in-VPC deployer",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      referencedSecurityGroupId: DEPLOYER.securityGroupId,
    });
    assert.equal(inComponent("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").length, 0);
    const [cluster] = inComponent("aws:eks/cluster:Cluster");
    assert.deepEqual((cluster.inputs.vpcConfig as Record<string, unknown>).securityGroupIds, [
      controlPlaneSg.id,
    ]);
    const [entry] = inComponent("aws:eks/accessEntry:AccessEntry");
    assert.equal(entry.name, "eks-deployer");
    assert.deepEqual(
      { principalArn: entry.inputs.principalArn, type: entry.inputs.type },
      { principalArn: DEPLOYER.roleArn, type: "STANDARD" },
    );
    const [assoc] = inComponent("aws:eks/accessPolicyAssociation:AccessPolicyAssociation");
    assert.equal(assoc.inputs.principalArn, DEPLOYER.roleArn);
    assert.equal(
      assoc.inputs.policyArn,
      "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
    );
    assert.ok(assoc.dependencies.includes(entry.urn));
  });

  it("launches nodes from templates with encrypted gp3 roots and IMDSv2 only", () => {
    const templates = inComponent("aws:ec2/launchTemplate:LaunchTemplate");
    assert.equal(templates.length, 2);
    for (const lt of templates) {
      const size = lt.name === "eks-system" ? 50 : 80;
      assert.deepEqual(lt.inputs.blockDeviceMappings, [
        {
          deviceName: "/dev/xvda",
          ebs: {
            volumeType: "gp3",
            volumeSize: size,
            encrypted: "true",
            kmsKeyId: KEYS.volumes,
            deleteOnTermination: "true",
          },
        },
      ]);
      assert.deepEqual(lt.inputs.metadataOptions, {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: "disabled",
      });
      assert.equal(
        "networkInterfaces" in lt.inputs,
        false,
        "no interface override: nodes keep the cluster security group",
      );
    }
  });

  it("runs one managed node group per spec on its launch template, AMI chosen by architecture", () => {
    const groups = new Map(inComponent("aws:eks/nodeGroup:NodeGroup").map((g) => [g.name, g]));
    assert.deepEqual([...groups.keys()].sort(), ["eks-arm", "eks-system"]);
    const system = groups.get("eks-system") as CapturedResource;
    assert.equal(system.inputs.amiType, "AL2023_x86_64_STANDARD");
    assert.equal(
      (groups.get("eks-arm") as CapturedResource).inputs.amiType,
      "AL2023_ARM_64_STANDARD",
    );
    assert.deepEqual(system.inputs.scalingConfig, { minSize: 2, desiredSize: 2, maxSize: 4 });
    assert.deepEqual(system.inputs.subnetIds, ["subnet-a", "subnet-b", "subnet-c"]);
    const lt = single(capture, "aws:ec2/launchTemplate:LaunchTemplate", "eks-system");
    assert.deepEqual(system.inputs.launchTemplate, { id: lt.id, version: "1" });
    assert.equal("diskSize" in system.inputs, false, "disk size lives in the launch template");
    assert.deepEqual(system.ignoreChanges, ["scalingConfig.desiredSize"]);
  });

  it("pins every add-on, networking before nodes and the rest after", () => {
    const addons = inComponent("aws:eks/addon:Addon");
    assert.deepEqual(
      Object.fromEntries(addons.map((a) => [a.inputs.addonName, a.inputs.addonVersion])),
      Object.fromEntries(EKS_ADDONS.map((a) => [a, VERSIONS[a]])),
    );
    const cni = addons.find((a) => a.inputs.addonName === "vpc-cni") as CapturedResource;
    assert.deepEqual(JSON.parse(cni.inputs.configurationValues as string), {
      enableNetworkPolicy: "true",
    });
    assert.ok(addons.filter((a) => a !== cni).every((a) => !("configurationValues" in a.inputs)));
    const groupUrns = inComponent("aws:eks/nodeGroup:NodeGroup").map((g) => g.urn);
    const byName = new Map(addons.map((a) => [a.inputs.addonName as string, a]));
    for (const early of ["vpc-cni", "kube-proxy", "eks-pod-identity-agent"]) {
      for (const g of inComponent("aws:eks/nodeGroup:NodeGroup"))
        assert.ok(g.dependencies.includes((byName.get(early) as CapturedResource).urn));
    }
    for (const late of ["coredns", "aws-ebs-csi-driver"]) {
      for (const g of groupUrns)
        assert.ok(
          (byName.get(late) as CapturedResource).dependencies.includes(g),
          `${late} waits for ${g}`,
        );
    }
  });

  it("gives the EBS CSI controller a Pod Identity role that uses the volumes key only through EC2", () => {
    const ebs = single(capture, "aws:eks/addon:Addon", "eks-aws-ebs-csi-driver");
    const role = single(capture, "aws:iam/role:Role", "eks-ebs-csi");
    assert.deepEqual(ebs.inputs.podIdentityAssociations, [
      { roleArn: role.outputs.arn, serviceAccount: "ebs-csi-controller-sa" },
    ]);
    assert.deepEqual(policyOf(role, "assumeRolePolicy").Statement, [
      {
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          StringEquals: {
            "aws:SourceAccount": MOCK_ACCOUNT_ID,
            "aws:RequestTag/eks-cluster-name": "acme-test",
            "aws:RequestTag/kubernetes-namespace": "kube-system",
            "aws:RequestTag/kubernetes-service-account": "ebs-csi-controller-sa",
          },
        },
      },
    ]);
    const kms = policyOf(
      single(capture, "aws:iam/rolePolicy:RolePolicy", "eks-ebs-csi-kms"),
    ).Statement;
    assert.deepEqual(
      kms.map((s) => s.Resource),
      [KEYS.volumes, KEYS.volumes],
    );
    assert.deepEqual(kms[0].Condition, { Bool: { "kms:GrantIsForAWSResource": "true" } });
    assert.deepEqual(kms[1].Condition, {
      StringEquals: { "kms:ViaService": `ec2.${TEST_REGION}.amazonaws.com` },
    });
  });

  it("keeps CNI permissions on the node role and nothing broader", () => {
    const attached = inComponent("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
      .filter((a) => a.name.startsWith("eks-node-"))
      .map((a) => a.inputs.policyArn)
      .sort();
    assert.deepEqual(attached, [
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
      "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
      "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    ]);
  });

  it("creates exactly one default StorageClass, gp3 encrypted with the volumes key, through the cluster's provider", () => {
    const classes = inComponent("kubernetes:storage.k8s.io/v1:StorageClass");
    assert.equal(classes.length, 1);
    const sc = classes[0];
    assert.equal(sc.inputs.provisioner, "ebs.csi.aws.com");
    assert.deepEqual(sc.inputs.parameters, {
      type: "gp3",
      encrypted: "true",
      kmsKeyId: KEYS.volumes,
      "csi.storage.k8s.io/fstype": "ext4",
    });
    assert.deepEqual((sc.inputs.metadata as Record<string, unknown>).annotations, {
      "storageclass.kubernetes.io/is-default-class": "true",
    });
    const [provider] = inComponent("pulumi:providers:kubernetes");
    assert.equal(sc.provider, `${provider.urn}::${provider.id}`);
  });

  it("opens the public endpoint only to the listed CIDRs, and protects when asked", () => {
    const cluster = single(capture, "aws:eks/cluster:Cluster", "public-cluster");
    const vpc = cluster.inputs.vpcConfig as Record<string, unknown>;
    assert.equal(vpc.endpointPublicAccess, true);
    assert.deepEqual(vpc.publicAccessCidrs, ["203.0.113.0/24"]);
    assert.equal(cluster.protect, true);
    assert.equal(cluster.inputs.deletionProtection, true);
    assert.equal(
      single(capture, "aws:cloudwatch/logGroup:LogGroup", "public-control-plane").protect,
      true,
    );
    const entry = single(capture, "aws:eks/accessEntry:AccessEntry", "public-admin-0");
    assert.equal(entry.inputs.type, "STANDARD");
    const assoc = single(
      capture,
      "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
      "public-admin-0",
    );
    assert.equal(
      assoc.inputs.policyArn,
      "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
    );
    assert.deepEqual(assoc.inputs.accessScope, { type: "cluster" });
    // No deployer: the control-plane group admits nobody; the endpoint is reached publicly.
    const publicUrn = single(capture, "acme:cluster:EksCluster", "public").urn;
    assert.equal(
      ofType(capture, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", publicUrn)
        .length,
      0,
    );
  });

  it("registers no Kubernetes object in an AWS-only run, and every AWS resource", async () => {
    const bootstrapUrn = single(capture, "acme:cluster:EksCluster", "bootstrap").urn;
    assert.equal(
      ofType(capture, "kubernetes:storage.k8s.io/v1:StorageClass", bootstrapUrn).length,
      0,
    );
    assert.equal(
      [...capture.resources.values()].filter(
        (r) => r.type.startsWith("kubernetes:") && r.name.startsWith("bootstrap"),
      ).length,
      0,
    );
    assert.equal(ofType(capture, "aws:eks/cluster:Cluster", bootstrapUrn).length, 1);
    assert.equal(ofType(capture, "aws:eks/nodeGroup:NodeGroup", bootstrapUrn).length, 2);
  });

  it("requires the deployer when the endpoint is private", () => {
    assert.deepEqual(validateEksClusterArgs(args({ deployer: undefined })), [
      {
        propertyPath: "deployer",
        reason:
          "is required when endpointPublicAccess is false: the API endpoint is private and nothing else may reach it; pass the in-VPC Deployer",
      },
    ]);
    assert.throws(
      () => new EksCluster("nobody", args({ deployer: undefined })),
      /deployer: is required/,
    );
  });

  it("rejects bad arguments with every problem named and registers nothing", async () => {
    const bad = args({
      endpointPublicAccess: true,
      nodeGroups: {
        mixed: {
          instanceTypes: ["m7g.large", "m7i.large"],
          capacityType: "ON_DEMAND",
          minSize: 3,
          desiredSize: 1,
          maxSize: 2,
          diskSizeGiB: 50,
        },
      },
      metadataHopLimit: 3,
      addonVersions: { ...VERSIONS, coredns: "" },
    });
    assert.deepEqual(
      validateEksClusterArgs(bad).map((e) => e.propertyPath),
      [
        "publicAccessCidrs",
        "addonVersions.coredns",
        "nodeGroups.mixed.instanceTypes",
        "nodeGroups.mixed",
        "metadataHopLimit",
      ],
    );
    const before = capture.resources.size;
    assert.throws(
      () => new EksCluster("bad", bad),
      (e: Error) =>
        pulumi.InputPropertiesError.isInstance(e) && /5 invalid arguments/.test(e.message),
    );
    assert.throws(
      () =>
        new EksCluster(
          "bad2",
          args({ publicAccessCidrs: ["0.0.0.0/0"], endpointPublicAccess: true }),
        ),
      /publicAccessCidrs: must not contain a \/0 block/,
    );
    await capture.settle();
    assert.equal(capture.resources.size, before);
  });
});
