/** Pulumi type tokens the rules inspect (@pulumi/aws 7, @pulumi/kubernetes 4). */
export const KMS_KEY = "aws:kms/key:Key";
export const EKS_CLUSTER = "aws:eks/cluster:Cluster";
export const EC2_LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
export const CLOUDWATCH_LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
export const K8S_STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass";
