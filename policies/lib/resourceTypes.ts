/** Pulumi type tokens the rules inspect (@pulumi/aws 7, @pulumi/kubernetes 4). */
export const KMS_KEY = "aws:kms/key:Key";
export const EKS_CLUSTER = "aws:eks/cluster:Cluster";
export const EC2_LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
export const CLOUDWATCH_LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
export const K8S_STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass";
export const S3_BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
export const APIGATEWAY_STAGE = "aws:apigateway/stage:Stage";
export const APIGATEWAY_METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings";
export const APIGATEWAY_DOMAIN_NAME = "aws:apigateway/domainName:DomainName";
export const WAFV2_WEB_ACL = "aws:wafv2/webAcl:WebAcl";
export const WAFV2_WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation";
export const WAFV2_WEB_ACL_LOGGING_CONFIGURATION =
  "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration";
export const ACM_CERTIFICATE = "aws:acm/certificate:Certificate";
/** Load balancers, listeners and target groups: `aws.lb` and its `aws.alb` alias (same schema). */
export const LB_LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer";
export const LB_LOAD_BALANCER_TYPES = [LB_LOAD_BALANCER, "aws:alb/loadBalancer:LoadBalancer"];
export const LB_LISTENER = "aws:lb/listener:Listener";
export const LB_LISTENER_TYPES = [LB_LISTENER, "aws:alb/listener:Listener"];
export const LB_TARGET_GROUP = "aws:lb/targetGroup:TargetGroup";
export const LB_TARGET_GROUP_TYPES = [LB_TARGET_GROUP, "aws:alb/targetGroup:TargetGroup"];
export const SFN_STATE_MACHINE = "aws:sfn/stateMachine:StateMachine";
export const PIPES_PIPE = "aws:pipes/pipe:Pipe";
export const ECS_CLUSTER = "aws:ecs/cluster:Cluster";
export const ECS_TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
export const K8S_HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
/**
 * Kubernetes workloads and where each keeps its pod spec: a Pod's own `spec`, a CronJob's
 * `spec.jobTemplate.spec.template.spec`, every other controller's `spec.template.spec`.
 */
export const K8S_WORKLOAD_POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
  "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
  "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
  "kubernetes:core/v1:Pod": ["spec"],
};
