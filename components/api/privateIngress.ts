/**
 * The private side of the front door (issue 13, `acme:api:PrivateIngress`): an internal
 * Application Load Balancer that API Gateway's VPC link v2 reaches, and that sends HTTPS to
 * Service A's pods. Pulumi owns the load balancer, its listener, target group, certificate,
 * security groups and access-log bucket, so every ARN is known at deploy time and nothing is
 * orphaned at destroy; the AWS Load Balancer Controller only registers the pods' addresses into
 * the target group, through a `TargetGroupBinding`.
 *
 * The hops and what encrypts each one are in docs/api-hops.md.
 *
 * - Load balancer: internal, over every private subnet, invalid header fields dropped, desync
 *   mitigation `strictest`, deletion protection by argument, access logs to a bucket of its own.
 * - Listener: HTTPS on 443 with an ACM certificate for `hostName` (DNS-validated in the given
 *   Route 53 zone) and {@link TLS_POLICY}. API Gateway's integration URI is `https://<hostName>`,
 *   so its check of the backend's certificate passes.
 * - Target group: HTTPS to the pods' TLS port (target type ip), HTTPS health checks on the
 *   service's readiness path, deregistration delay equal to the time a terminating pod keeps
 *   serving. The load balancer does not verify the pods' certificates (AWS: "The load balancer
 *   does not validate these certificates"); the pods are admitted by network.
 * - Security groups: the load balancer's admits only the VPC link's group on 443
 *   ({@link PrivateIngress.admitVpcLink}; ApiGateway writes the link's egress rule) and sends
 *   only to the pods' group on the TLS port; the pods' group (the EKS cluster group) admits the
 *   load balancer's group on that port.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  denyInsecureBucketTransport,
  encryptBucket,
  expireLogObjects,
  lockDownBucket,
  type AwsContext,
  dependenciesOf,
  DNS_LABEL,
  DNS_LABEL_FORM,
  FQDN,
  policyDocument,
  type PolicyStatement,
  REGION,
  throwIfInvalid,
  type ValidationError,
} from "../lib";
import { logServerAccess, type ServerAccessLogging } from "../security/serverAccessLogBucket";
import { dnsValidatedCertificate } from "./certificate";

/**
 * The listener's TLS policy: AWS's recommended policy (TLS 1.3 and 1.2 with ECDHE and AES-GCM
 * only, hybrid post-quantum key exchange for clients that offer it), and one of the eight
 * policies Security Hub ELB.17 accepts (../shared/security-controls.md, finding 1). Its TLS 1.2
 * ECDHE-GCM suites are what any TLS 1.2 client, API Gateway included, negotiates.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
 */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09";
/** The port the listener takes HTTPS on (the integration URI's default port). */
export const LISTENER_PORT = 443;
/**
 * The TargetGroupBinding's API (the pinned aws-load-balancer-controller's storage version,
 * ../shared/crds/elbv2.k8s.aws/TargetGroupBinding.v1beta1.json).
 */
export const TARGET_GROUP_BINDING_API = "elbv2.k8s.aws/v1beta1";
/** The proxy's own ports (Linkerd), which a service port must not be. */
const PROXY_PORTS = [4140, 4143, 4190, 4191];
/** Load balancer and target group names are at most 32 characters; Pulumi adds `-` + 7. */
const MAX_NAME = 24;
const PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;

/** Service A's Service, whose endpoints the controller registers into the target group. */
export interface TargetGroupBindingArgs {
  /** The cluster's provider (`EksCluster.kubernetesProvider`). */
  provider: k8s.Provider;
  /** The Service's namespace (the binding lives beside it). */
  namespace: string;
  /** The Service's name (`Microservice.serviceName`). */
  serviceName: string;
  /** The Service's TLS port, by name (`TLS_PORT_NAME`, "https") or number. */
  servicePort: string | number;
}

/** Arguments of {@link PrivateIngress}. The component's name prefixes every child. */
export interface PrivateIngressArgs extends AwsContext {
  vpcId: pulumi.Input<string>;
  /** Every private subnet (`Network.privateSubnetIds`): the load balancer has a node in each. */
  privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The pods' security group: the EKS cluster security group
   * (`EksCluster.clusterSecurityGroupId`; managed node groups, and so the pods, use it). It gets
   * an ingress rule from the load balancer on `targetPort`.
   */
  podSecurityGroupId: pulumi.Input<string>;
  /** The Route 53 hosted zone that holds `hostName` (the certificate's DNS validation record). */
  hostedZoneId: pulumi.Input<string>;
  /**
   * The backend's host name, inside the zone (`service-a.internal.example.com`): the certificate's
   * name and the host of the integration URI. Plain: it is part of the rendered API document.
   */
  hostName: string;
  /** The pods' TLS port (`MicroserviceTls.port`), where the target group sends HTTPS. */
  targetPort: number;
  /** The path the HTTPS health check requests (the service's readiness path, `/readyz`). */
  healthCheckPath: string;
  /**
   * How long a terminating pod keeps serving, in seconds (`servingAfterTerminationSeconds()` of
   * components/services/microservice.ts: preStop sleep + the service's drain delay): the target
   * group's deregistration delay, so in-flight requests finish before the pod stops accepting.
   */
  drainSeconds: number;
  /** Deletion protection on the load balancer (ELB.6); true in prod. */
  deletionProtection: boolean;
  /** Days access logs are kept before they expire: a whole number from 1, no upper bound. */
  accessLogRetentionDays: number;
  /**
   * Let `pulumi destroy` delete the access-log bucket with its logs in it.
   * @default false
   */
  accessLogForceDestroy?: boolean;
  /**
   * Where the access-log bucket delivers its own S3 server access logs (S3.9): the stack's
   * {@link ServerAccessLogBucket}. Without it the bucket does not log requests, which the pack's
   * `acme-s3-bucket-enable-server-access-logging` rejects.
   */
  serverAccessLogs?: ServerAccessLogging;
  /**
   * Protect the access-log bucket from `pulumi destroy` (production keeps its logs).
   * @default false
   */
  protect?: boolean;
  /** Register Service A's pods (a TargetGroupBinding); unset: the AWS side only (bootstrap run). */
  targets?: TargetGroupBindingArgs;
  /** Tags for every AWS resource (baseTags of the stack). */
  tags?: Record<string, string>;
}

const isIntIn = (v: unknown, min: number, max: number): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;

/** Validates {@link PrivateIngressArgs} and the component's name; returns every problem. */
export function validatePrivateIngressArgs(
  args: PrivateIngressArgs,
  name: string,
): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });
  if (!DNS_LABEL.test(name) || name.length > MAX_NAME) {
    add(
      "name",
      `"${name}" must be ${DNS_LABEL_FORM}, of at most ${MAX_NAME} (load balancer names are 32 with Pulumi's suffix)`,
    );
  }
  if (!REGION.test(String(args.region))) {
    add("region", `"${String(args.region)}" is not an AWS Region code; use the form eu-west-1`);
  }
  if (typeof args.hostName !== "string" || !FQDN.test(args.hostName)) {
    add(
      "hostName",
      `"${String(args.hostName)}" is not a lower-case DNS name; give the backend's name in the hosted zone, e.g. service-a.internal.example.com`,
    );
  }
  if (!isIntIn(args.targetPort, 1024, 65535) || PROXY_PORTS.includes(args.targetPort)) {
    add(
      "targetPort",
      `must be the pods' TLS port, 1024..65535 and not a Linkerd proxy port (${PROXY_PORTS.join(", ")}); got ${String(args.targetPort)}`,
    );
  }
  if (typeof args.healthCheckPath !== "string" || !PATH.test(args.healthCheckPath)) {
    add(
      "healthCheckPath",
      `"${String(args.healthCheckPath)}" is not an absolute URL path; give the readiness path (/readyz)`,
    );
  }
  // The target group's deregistration delay: 0..3600 s.
  if (!isIntIn(args.drainSeconds, 0, 3600)) {
    add(
      "drainSeconds",
      `must be whole seconds from 0 to 3600 (the target group's deregistration delay); got ${String(args.drainSeconds)}`,
    );
  }
  if (typeof args.deletionProtection !== "boolean") {
    add("deletionProtection", "must be true or false (true in prod)");
  }
  // S3 lifecycle expiration has no upper bound: every CloudWatch Logs retention period
  // (`api.logRetentionInDays`, up to 3653) is accepted.
  if (!isIntIn(args.accessLogRetentionDays, 1, Infinity)) {
    add(
      "accessLogRetentionDays",
      `must be a whole number of days, at least 1; got ${String(args.accessLogRetentionDays)}`,
    );
  }
  const t = args.targets;
  if (t) {
    if (!(t.provider instanceof k8s.Provider)) {
      add("targets.provider", "must be the cluster's kubernetes Provider");
    }
    if (!DNS_LABEL.test(String(t.namespace))) {
      add("targets.namespace", `"${String(t.namespace)}" is not a namespace name`);
    }
    if (!DNS_LABEL.test(String(t.serviceName))) {
      add("targets.serviceName", `"${String(t.serviceName)}" is not a Service name`);
    }
    const port = t.servicePort;
    if (!(typeof port === "string" ? DNS_LABEL.test(port) : isIntIn(port, 1, 65535))) {
      add("targets.servicePort", `"${String(port)}" is not a Service port name or number`);
    }
  }
  return errors;
}

/**
 * The TargetGroupBinding: the controller keeps the target group's targets equal to the Service's
 * ready endpoints (pod IPs). `networking` is left out on purpose: with it the controller would
 * write security-group rules of its own; here Pulumi owns the one rule (load balancer group ->
 * pods' group on the TLS port), so the rule is reviewed as code, proven by the flows check and
 * removed at destroy.
 */
export function targetGroupBindingManifest<A>(v: {
  name: string;
  namespace: string;
  serviceName: string;
  servicePort: string | number;
  targetGroupArn: A;
}) {
  return {
    apiVersion: TARGET_GROUP_BINDING_API,
    kind: "TargetGroupBinding",
    metadata: {
      name: v.name,
      namespace: v.namespace,
      labels: {
        "app.kubernetes.io/name": v.serviceName,
        "app.kubernetes.io/part-of": "acme-platform",
      },
    },
    spec: {
      serviceRef: { name: v.serviceName, port: v.servicePort },
      targetGroupARN: v.targetGroupArn,
      targetType: "ip",
      targetGroupProtocol: "HTTPS",
      ipAddressType: "ipv4",
    },
  };
}

/**
 * The access-log bucket's policy: TLS only, and Elastic Load Balancing's log delivery may write
 * under `<prefix>/AWSLogs/<account>/` only.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
 */
export function accessLogBucketStatements(v: {
  bucketArn: pulumi.Input<string>;
  deliveryPath: pulumi.Input<string>;
}): PolicyStatement[] {
  return [
    denyInsecureBucketTransport(v.bucketArn),
    {
      Sid: "AllowLoadBalancerLogDelivery",
      Effect: "Allow",
      Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: v.deliveryPath,
    },
  ];
}

/** The internal load balancer between API Gateway's VPC link and Service A. */
export class PrivateIngress extends pulumi.ComponentResource {
  public readonly loadBalancer: aws.lb.LoadBalancer;
  public readonly loadBalancerArn: pulumi.Output<string>;
  /** The HTTPS listener's port ({@link LISTENER_PORT}). */
  public readonly listenerPort: number;
  public readonly listenerArn: pulumi.Output<string>;
  /** `https://<hostName>`, no trailing slash: `ApiRefs.backendBaseUrl`. */
  public readonly backendBaseUrl: string;
  public readonly targetGroupArn: pulumi.Output<string>;
  public readonly certificateArn: pulumi.Output<string>;
  /** The load balancer's security group. */
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly accessLogBucketName: pulumi.Output<string>;
  private readonly componentName: string;
  private readonly tags: Record<string, string>;

  constructor(name: string, args: PrivateIngressArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): a bad argument must fail before anything registers.
    throwIfInvalid("PrivateIngress", validatePrivateIngressArgs(args, name));
    super("acme:api:PrivateIngress", name, {}, opts);
    const deps = dependenciesOf(opts);
    const tags = args.tags ?? {};
    const child = { parent: this };
    this.componentName = name;
    this.tags = tags;

    // ---- Access logs: a bucket of its own. ELB delivers access logs only to buckets encrypted
    // with SSE-S3 ("The only server-side encryption option that's supported is Amazon S3-managed
    // keys (SSE-S3)", enable-access-logging.html), so SSE-S3 it is, not the data key.
    const bucket = new aws.s3.Bucket(
      `${name}-access-logs`,
      { forceDestroy: args.accessLogForceDestroy ?? false, tags },
      { ...child, dependsOn: deps, protect: args.protect ?? false },
    );
    const bucketName = bucket.bucket;
    const publicAccessBlock = lockDownBucket(`${name}-access-logs`, bucketName, child);
    const encryption = encryptBucket(`${name}-access-logs`, bucketName, undefined, child);
    expireLogObjects(
      `${name}-access-logs`,
      bucketName,
      { ruleId: "expire-access-logs", days: args.accessLogRetentionDays },
      child,
    );
    const prefix = name;
    // The policy waits for the public access block: S3 rejects concurrent changes to the two.
    const bucketPolicy = new aws.s3.BucketPolicy(
      `${name}-access-logs`,
      {
        bucket: bucketName,
        policy: policyDocument(
          accessLogBucketStatements({
            bucketArn: bucket.arn,
            deliveryPath: pulumi.interpolate`${bucket.arn}/${prefix}/AWSLogs/${args.accountId}/*`,
          }),
        ),
      },
      { ...child, dependsOn: [publicAccessBlock] },
    );
    if (args.serverAccessLogs) {
      logServerAccess(`${name}-access-logs`, bucketName, args.serverAccessLogs, child);
    }

    // ---- Security groups. Rules are separate resources (the flows check reads them one by one).
    const lbGroup = new aws.ec2.SecurityGroup(
      `${name}-lb`,
      {
        vpcId: args.vpcId,
        description: `Internal load balancer ${name}: HTTPS from the API Gateway VPC link only`,
        tags: { ...tags, Name: `${name}-lb` },
      },
      { ...child, dependsOn: deps },
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-lb-to-pods`,
      {
        securityGroupId: lbGroup.id,
        referencedSecurityGroupId: args.podSecurityGroupId,
        ipProtocol: "tcp",
        fromPort: args.targetPort,
        toPort: args.targetPort,
        description: "HTTPS to the service's pods (traffic and health checks)",
        tags,
      },
      child,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-pods-from-lb`,
      {
        securityGroupId: args.podSecurityGroupId,
        referencedSecurityGroupId: lbGroup.id,
        ipProtocol: "tcp",
        fromPort: args.targetPort,
        toPort: args.targetPort,
        description: `HTTPS from the internal load balancer ${name}`,
        tags,
      },
      child,
    );
    // ---- The certificate of the listener, validated by DNS in the hosted zone.
    const certificate = dnsValidatedCertificate(
      `${name}-cert`,
      { domainName: args.hostName, hostedZoneId: args.hostedZoneId, tags },
      { ...child, dependsOn: deps },
    );

    // ---- Load balancer, target group, listener.
    this.loadBalancer = new aws.lb.LoadBalancer(
      name,
      {
        loadBalancerType: "application",
        internal: true,
        subnets: args.privateSubnetIds,
        securityGroups: [lbGroup.id],
        ipAddressType: "ipv4",
        dropInvalidHeaderFields: true,
        desyncMitigationMode: "strictest",
        enableDeletionProtection: args.deletionProtection,
        accessLogs: { enabled: true, bucket: bucketName, prefix },
        tags,
      },
      // ELB checks it can write to the bucket when access logs are turned on.
      { ...child, dependsOn: [bucketPolicy, encryption] },
    );
    const targetGroup = new aws.lb.TargetGroup(
      `${name}-tg`,
      {
        vpcId: args.vpcId,
        targetType: "ip",
        protocol: "HTTPS",
        protocolVersion: "HTTP1",
        port: args.targetPort,
        ipAddressType: "ipv4",
        deregistrationDelay: args.drainSeconds,
        healthCheck: {
          enabled: true,
          protocol: "HTTPS",
          port: "traffic-port",
          path: args.healthCheckPath,
          matcher: "200",
          interval: 10,
          timeout: 5,
          healthyThreshold: 2,
          unhealthyThreshold: 2,
        },
        tags,
      },
      { ...child, dependsOn: deps },
    );
    const listener = new aws.lb.Listener(
      `${name}-https`,
      {
        loadBalancerArn: this.loadBalancer.arn,
        port: LISTENER_PORT,
        protocol: "HTTPS",
        sslPolicy: TLS_POLICY,
        certificateArn: certificate.certificateArn,
        defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
        tags,
      },
      child,
    );

    if (args.targets) {
      const t = args.targets;
      new k8s.apiextensions.CustomResource(
        `${name}-targets`,
        targetGroupBindingManifest({
          name: `${t.serviceName}-${name}`,
          namespace: t.namespace,
          serviceName: t.serviceName,
          servicePort: t.servicePort,
          targetGroupArn: targetGroup.arn,
        }) as unknown as k8s.apiextensions.CustomResourceArgs,
        { ...child, provider: t.provider, dependsOn: [...deps, listener] },
      );
    }

    this.loadBalancerArn = this.loadBalancer.arn;
    this.listenerPort = LISTENER_PORT;
    this.listenerArn = listener.arn;
    this.backendBaseUrl = `https://${args.hostName}`;
    this.targetGroupArn = targetGroup.arn;
    this.certificateArn = certificate.certificateArn;
    this.securityGroupId = lbGroup.id;
    this.accessLogBucketName = bucketName;
    this.registerOutputs({
      loadBalancerArn: this.loadBalancerArn,
      listenerPort: this.listenerPort,
      backendBaseUrl: this.backendBaseUrl,
      targetGroupArn: this.targetGroupArn,
      certificateArn: this.certificateArn,
      securityGroupId: this.securityGroupId,
      accessLogBucketName: this.accessLogBucketName,
    });
  }

  /**
   * Admits the API Gateway VPC link's security group on the listener port: the only source the
   * load balancer takes traffic from. A method, not an argument, because the two components
   * refer to each other: `ApiGateway` takes this load balancer's group for its link's egress rule
   * (`vpcLink.loadBalancerSecurityGroupId`), so it is created after PrivateIngress, and its
   * `vpcLinkSecurityGroupId` comes back here. Call it once.
   */
  public admitVpcLink(
    vpcLinkSecurityGroupId: pulumi.Input<string>,
  ): aws.vpc.SecurityGroupIngressRule {
    return new aws.vpc.SecurityGroupIngressRule(
      `${this.componentName}-lb-from-vpc-link`,
      {
        securityGroupId: this.securityGroupId,
        referencedSecurityGroupId: vpcLinkSecurityGroupId,
        ipProtocol: "tcp",
        fromPort: LISTENER_PORT,
        toPort: LISTENER_PORT,
        description: "HTTPS from the API Gateway VPC link",
        tags: this.tags,
      },
      { parent: this },
    );
  }
}
