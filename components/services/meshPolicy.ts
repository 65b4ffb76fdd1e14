/**
 * A microservice's mesh policy as plain objects, for the Microservice to create as
 * `kubernetes.apiextensions.CustomResource`s: who may call it (Linkerd inbound authorization) and
 * how its clients' proxies treat it (timeouts, retries within a retry budget, failure accrual).
 *
 * Inbound: the namespace denies by default (`AppNamespace` sets
 * `config.linkerd.io/default-inbound-policy: deny`), so the service's port gets a Server and three
 * inbound HTTPRoutes, each with its own AuthorizationPolicy:
 *
 *   `<name>-api`     PathPrefix `/` (every other path): the declared meshed callers, by mesh
 *                    identity (MeshTLSAuthentication), and the load balancer's networks if declared
 *   `<name>-metrics` Exact `/metrics`: the cluster's Prometheus (unmeshed, so by network)
 *   `<name>-probes`  Exact probe paths: the kubelet (by network)
 *
 * A request matches one route only, the most specific (Gateway API precedence), so a caller
 * cannot read /metrics and Prometheus cannot reach the API. The probe route is required, not
 * optional: Linkerd authorizes probes by default only while a Server has no HTTPRoute ("Default
 * authorizations", https://linkerd.io/2-edge/features/server-policy/; the per-route policy task
 * adds a probe route for the same reason), and requests matching no route get a 404.
 *
 * Outbound: the resilience policy is validated with components/mesh/resilience.ts and rendered as
 * annotations for the Service (the Microservice sets them; failure accrual is read only there)
 * and for one outbound HTTPRoute (parent: the Service) per declared route.
 *
 * The object names follow AppNamespace's (`<svc>` Server and AuthorizationPolicy,
 * `<svc>-clients` MeshTLSAuthentication): a service declared here must not also be listed in
 * `AppNamespaceArgs.services`, or two Servers would select the same port (Linkerd's admission
 * webhook rejects the second).
 */
import { OPERATIONAL_PATHS } from "../../services/kit/src/conventions";
import { DNS_LABEL, DNS_LABEL_FORM, throwIfInvalid, type ValidationError } from "../lib";
import {
  CLUSTER_PROMETHEUS,
  type MeshClient,
  meshIdentity,
  type ProxyProtocol,
} from "../mesh/appNamespace";
import {
  type ResilienceContext,
  type ResiliencePolicy,
  resilienceAnnotations,
  validateResiliencePolicy,
} from "../mesh/resilience";

/** The policy API versions this module writes (the storage versions of the pinned linkerd-crds). */
export const LINKERD_POLICY_API = {
  server: "policy.linkerd.io/v1beta3",
  httpRoute: "policy.linkerd.io/v1beta3",
  authorizationPolicy: "policy.linkerd.io/v1alpha1",
  meshTlsAuthentication: "policy.linkerd.io/v1alpha1",
  networkAuthentication: "policy.linkerd.io/v1alpha1",
} as const;

const POLICY_GROUP = "policy.linkerd.io";

/** The paths every service of the kit serves besides its API (services/kit/src/http.ts). */
export const DEFAULT_PROBE_PATHS = [
  OPERATIONAL_PATHS.liveness,
  OPERATIONAL_PATHS.readiness,
] as const;
export const METRICS_PATH = OPERATIONAL_PATHS.metrics;

/** The platform's own callers, which are not meshed and so are authenticated by network. */
export type PlatformCaller =
  /**
   * The cluster's Prometheus ({@link CLUSTER_PROMETHEUS}), on the metrics route only. Its pods
   * have pod-network addresses (the VPC CNI), so it is authenticated by `podNetworkCidrs`.
   */
  | { platform: "prometheus" }
  /**
   * The load balancer in front of the service (AWS Load Balancer Controller, IP targets), on the
   * API route: its nodes' addresses are in `cidrs` (the public subnets' CIDRs).
   */
  | { platform: "loadBalancer"; cidrs: string[] };

/** Someone allowed to call the service: a meshed workload, or a platform caller. */
export type ServiceCaller = MeshClient | PlatformCaller;

/** One outbound route of the service and the resilience its clients' proxies apply to it. */
export interface ResilientRoute {
  /** Route name (DNS label); the HTTPRoute is `<service>-<name>`. */
  name: string;
  /** Path prefix the route matches, e.g. `/v1/workflow-requests`. */
  pathPrefix: string;
  /** HTTP methods the route matches; empty or unset: every method. */
  methods?: string[];
  /** True when every request the route carries may safely be sent twice. */
  idempotent: boolean;
  /** Timeouts and retries (failure accrual is per Service, not per route). */
  policy: ResiliencePolicy;
}

/** The service's resilience: a Service-wide policy and per-route policies. */
export interface ServiceResilience {
  /**
   * Applied to every request to the Service (annotations on the Service); the only place failure
   * accrual can go.
   */
  service: ResiliencePolicy;
  /**
   * True when every request to the Service is idempotent; retries in `service` need it.
   * @default false
   */
  serviceIdempotent?: boolean;
  /**
   * Routes with their own timeouts and retries (outbound HTTPRoutes whose parent is the
   * Service). A catch-all route is added after them so other requests still route.
   * @default []
   */
  routes?: ResilientRoute[];
  /** Attempts each calling application makes per call (its own retries plus one). */
  applicationAttempts: number;
  /** The most attempts one call may cause at the service, mesh and application together. */
  maxTotalAttempts: number;
}

/** What the mesh policy of one service is built from. */
export interface MeshPolicyArgs {
  /** The service's name (DNS label, at most 55 characters): its Server's and Service's name. */
  name: string;
  /** The service's namespace (an AppNamespace). */
  namespace: string;
  /** The container port the service listens on; also the Service's target port. */
  port: number;
  /** Labels of the service's pods (`app.kubernetes.io/name`, ...); not empty. */
  podSelector: Record<string, string>;
  /**
   * How the proxy treats the port.
   * @default "HTTP/1" (per-route policy needs an HTTP protocol)
   */
  proxyProtocol?: Extract<ProxyProtocol, "HTTP/1" | "HTTP/2" | "gRPC">;
  /** Who may call the service's API; empty for a service that only consumes messages. */
  callers: ServiceCaller[];
  /**
   * The pod network (the VPC's CIDRs: the VPC CNI gives pods and nodes VPC addresses). The
   * kubelet's probes and the unmeshed Prometheus are authenticated by it; NetworkPolicies narrow
   * who inside it gets through.
   */
  podNetworkCidrs: string[];
  /**
   * Paths the kubelet probes.
   * @default ["/healthz", "/readyz"]
   */
  probePaths?: string[];
  /** Timeouts, retries and failure accrual; unset: Linkerd's defaults (none of them). */
  resilience?: ServiceResilience;
  /**
   * The service's TLS port for the internal load balancer (docs/api-hops.md): a Server of its own
   * (`<name>-tls`, proxyProtocol `TLS`: the proxy passes the load balancer's TLS through to the
   * service), authorized for the load balancer's networks only, unauthenticated (the load
   * balancer has no mesh identity). Unset: no TLS port.
   */
  tls?: MeshTlsPort;
}

/** The TLS port the load balancer sends to, and the networks its nodes take addresses from. */
export interface MeshTlsPort {
  port: number;
  /** The load balancer's subnets' CIDRs (the private subnets); each narrower than /0. */
  loadBalancerCidrs: string[];
}

/** The rendered policy: objects to create, and the annotations for the Service. */
export interface MeshPolicy {
  /** Server, HTTPRoutes, authentications and AuthorizationPolicies, in dependency order. */
  objects: Record<string, unknown>[];
  /** Annotations the Microservice puts on its Service (Service-wide resilience). */
  serviceAnnotations: Record<string, string>;
  /** The mesh identities admitted on the API route, sorted. */
  allowedIdentities: string[];
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const SA_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;
const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];
/** The proxy's own ports (AppNamespace refuses them too). */
const PROXY_PORTS = [4140, 4143, 4190, 4191];

function isCidr(value: string): boolean {
  const m = CIDR.exec(value);
  return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}

const isMeshClient = (c: ServiceCaller): c is MeshClient => !("platform" in c);

/** Validates {@link MeshPolicyArgs}; returns every problem, each naming its field. */
export function validateMeshPolicyArgs(args: MeshPolicyArgs): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });
  if (!DNS_LABEL.test(args.name) || args.name.length > 55) {
    add("name", `"${args.name}" must be ${DNS_LABEL_FORM}, of at most 55 (routes append a suffix)`);
  }
  if (!DNS_LABEL.test(args.namespace)) {
    add("namespace", `"${args.namespace}" must be ${DNS_LABEL_FORM}`);
  }
  if (!Number.isInteger(args.port) || args.port < 1 || args.port > 65535) {
    add("port", `must be a whole number 1..65535 (got ${args.port})`);
  } else if (PROXY_PORTS.includes(args.port)) {
    add("port", `${args.port} is a Linkerd proxy port; the service must listen elsewhere`);
  }
  if (Object.keys(args.podSelector).length === 0) {
    add("podSelector", "is empty and would select every pod of the namespace; give its labels");
  }
  // No API caller is allowed: a consumer of queues (the worker) serves only its probes and
  // metrics, and the API route then admits nobody (the namespace's default deny).
  const seen = new Set<string>();
  args.callers.forEach((c, i) => {
    const at = `callers[${i}]`;
    const key = isMeshClient(c) ? meshIdentity(c) : c.platform;
    if (seen.has(key)) add(at, `repeats ${key}; list each caller once`);
    seen.add(key);
    if (isMeshClient(c)) {
      if (!DNS_LABEL.test(c.namespace))
        add(`${at}.namespace`, `"${c.namespace}" is not a namespace`);
      if (!SA_NAME.test(c.serviceAccount)) {
        add(`${at}.serviceAccount`, `"${c.serviceAccount}" is not a service account name`);
      }
    } else if (c.platform === "loadBalancer") {
      if (c.cidrs.length === 0) add(`${at}.cidrs`, "lists no network; give the subnets' CIDRs");
      c.cidrs.forEach((cidr, j) => {
        if (!isCidr(cidr) || cidr.endsWith("/0")) {
          add(`${at}.cidrs[${j}]`, `"${cidr}" must be an IPv4 CIDR narrower than /0`);
        }
      });
    } else if ((c as { platform: string }).platform !== "prometheus") {
      add(
        `${at}.platform`,
        `"${(c as { platform: string }).platform}" is not a platform caller; use prometheus or loadBalancer`,
      );
    }
  });
  if (args.podNetworkCidrs.length === 0) {
    add("podNetworkCidrs", "lists no network; pass the VPC's CIDR (network.vpcCidrBlock)");
  }
  args.podNetworkCidrs.forEach((cidr, i) => {
    if (!isCidr(cidr) || cidr.endsWith("/0")) {
      add(`podNetworkCidrs[${i}]`, `"${cidr}" must be an IPv4 CIDR narrower than /0`);
    }
  });
  const probes = args.probePaths ?? DEFAULT_PROBE_PATHS;
  if (probes.length === 0) add("probePaths", "lists no path; the kubelet could not probe the pods");
  probes.forEach((p, i) => {
    if (!PATH.test(p)) add(`probePaths[${i}]`, `"${p}" is not an absolute URL path`);
    else if (p === METRICS_PATH || p === "/") {
      add(`probePaths[${i}]`, `"${p}" would open more than the probe to the pod network`);
    }
  });

  if (args.tls) {
    const { port, loadBalancerCidrs } = args.tls;
    if (!Number.isInteger(port) || port < 1 || port > 65535 || PROXY_PORTS.includes(port)) {
      add("tls.port", `must be 1..65535 and not a Linkerd proxy port (got ${port})`);
    } else if (port === args.port) {
      add("tls.port", `is the plain port ${args.port}; give the TLS listener a port of its own`);
    }
    if (loadBalancerCidrs.length === 0) {
      add("tls.loadBalancerCidrs", "lists no network; give the private subnets' CIDRs");
    }
    loadBalancerCidrs.forEach((cidr, i) => {
      if (!isCidr(cidr) || cidr.endsWith("/0")) {
        add(`tls.loadBalancerCidrs[${i}]`, `"${cidr}" must be an IPv4 CIDR narrower than /0`);
      }
    });
  }

  const r = args.resilience;
  if (r) {
    const context = (target: ResilienceContext["target"], idempotentRoute: boolean) => ({
      target,
      idempotentRoute,
      serviceHasServiceProfile: false,
      applicationAttempts: r.applicationAttempts,
      maxTotalAttempts: r.maxTotalAttempts,
    });
    const nested = (prefix: string, list: ValidationError[]) =>
      list.forEach((e) => add(`${prefix}.${e.propertyPath}`, e.reason));
    nested(
      "resilience.service",
      validateResiliencePolicy(r.service, context("Service", r.serviceIdempotent ?? false)),
    );
    const names = new Set<string>();
    (r.routes ?? []).forEach((route, i) => {
      const at = `resilience.routes[${i}]`;
      if (!DNS_LABEL.test(route.name) || route.name === "default") {
        add(`${at}.name`, `"${route.name}" must be ${DNS_LABEL_FORM}, other than "default"`);
      }
      if (names.has(route.name)) add(`${at}.name`, `"${route.name}" is used twice`);
      names.add(route.name);
      if (!PATH.test(route.pathPrefix)) {
        add(`${at}.pathPrefix`, `"${route.pathPrefix}" is not an absolute URL path`);
      }
      (route.methods ?? []).forEach((m, j) => {
        if (!METHODS.includes(m)) add(`${at}.methods[${j}]`, `"${m}" is not an HTTP method`);
      });
      // Per-route errors are reported once, under the route; the context errors (budget fields)
      // are the service's and already reported above.
      const routeErrors = validateResiliencePolicy(
        route.policy,
        context("HTTPRoute", route.idempotent),
      ).filter((e) => !["applicationAttempts", "maxTotalAttempts"].includes(e.propertyPath));
      nested(`${at}.policy`, routeErrors);
    });
  }
  return errors;
}

const ref = (kind: string, name: string) => ({ group: POLICY_GROUP, kind, name });

/** Builds the service's mesh policy; throws one error naming every invalid field. */
export function meshPolicy(args: MeshPolicyArgs): MeshPolicy {
  throwIfInvalid("meshPolicy", validateMeshPolicyArgs(args));
  const { name, namespace } = args;
  const meta = (objectName: string) => ({
    name: objectName,
    namespace,
    labels: { "app.kubernetes.io/part-of": name },
  });
  const object = (apiVersion: string, kind: string, objectName: string, spec: object) => ({
    apiVersion,
    kind,
    metadata: meta(objectName),
    spec,
  });
  const A = LINKERD_POLICY_API;
  const serverRef = [ref("Server", name)];
  const route = (suffix: string, matches: object[]) =>
    object(A.httpRoute, "HTTPRoute", `${name}-${suffix}`, {
      parentRefs: serverRef,
      rules: [{ matches }],
    });
  const authorize = (suffix: string, authentications: object[]) =>
    object(A.authorizationPolicy, "AuthorizationPolicy", `${name}-${suffix}`, {
      targetRef: ref("HTTPRoute", `${name}-${suffix}`),
      requiredAuthenticationRefs: authentications,
    });

  const objects: Record<string, unknown>[] = [
    object(A.server, "Server", name, {
      podSelector: { matchLabels: { ...args.podSelector } },
      port: args.port,
      proxyProtocol: args.proxyProtocol ?? "HTTP/1",
      accessPolicy: "deny",
    }),
  ];

  // The API: every path the other routes do not match, for the declared callers. Several
  // AuthorizationPolicies on one route admit a request when any one of them is satisfied.
  const identities = [...new Set(args.callers.filter(isMeshClient).map(meshIdentity))].sort();
  objects.push(route("api", [{ path: { type: "PathPrefix", value: "/" } }]));
  if (identities.length > 0) {
    objects.push(
      object(A.meshTlsAuthentication, "MeshTLSAuthentication", `${name}-clients`, { identities }),
      authorize("api", [ref("MeshTLSAuthentication", `${name}-clients`)]),
    );
  }
  const lbCidrs = args.callers.flatMap((c) =>
    !isMeshClient(c) && c.platform === "loadBalancer" ? c.cidrs : [],
  );
  if (lbCidrs.length > 0) {
    objects.push(
      object(A.networkAuthentication, "NetworkAuthentication", `${name}-load-balancer`, {
        networks: [...new Set(lbCidrs)].sort().map((cidr) => ({ cidr })),
      }),
      {
        ...authorize("api", [ref("NetworkAuthentication", `${name}-load-balancer`)]),
        metadata: meta(`${name}-api-load-balancer`),
      },
    );
  }

  // Probes and metrics come from outside the mesh (the kubelet; Prometheus is unmeshed).
  objects.push(
    object(A.networkAuthentication, "NetworkAuthentication", `${name}-pod-network`, {
      networks: [...args.podNetworkCidrs].sort().map((cidr) => ({ cidr })),
    }),
  );
  const podNetwork = [ref("NetworkAuthentication", `${name}-pod-network`)];
  const probePaths = args.probePaths ?? DEFAULT_PROBE_PATHS;
  objects.push(
    route(
      "probes",
      probePaths.map((value) => ({ path: { type: "Exact", value }, method: "GET" })),
    ),
    authorize("probes", podNetwork),
    route("metrics", [{ path: { type: "Exact", value: METRICS_PATH }, method: "GET" }]),
  );
  if (args.callers.some((c) => !isMeshClient(c) && c.platform === "prometheus")) {
    objects.push(authorize("metrics", podNetwork));
  }

  // The TLS port: the load balancer's networks only. The proxy cannot read TLS it does not
  // terminate, so the port is authorized as a whole (no routes), by network.
  if (args.tls) {
    objects.push(
      object(A.server, "Server", `${name}-tls`, {
        podSelector: { matchLabels: { ...args.podSelector } },
        port: args.tls.port,
        proxyProtocol: "TLS",
        accessPolicy: "deny",
      }),
      object(A.networkAuthentication, "NetworkAuthentication", `${name}-tls-load-balancer`, {
        networks: [...new Set(args.tls.loadBalancerCidrs)].sort().map((cidr) => ({ cidr })),
      }),
      object(A.authorizationPolicy, "AuthorizationPolicy", `${name}-tls`, {
        targetRef: ref("Server", `${name}-tls`),
        requiredAuthenticationRefs: [ref("NetworkAuthentication", `${name}-tls-load-balancer`)],
      }),
    );
  }

  // Outbound resilience: routes first, then the catch-all that keeps other requests routed.
  let serviceAnnotations: Record<string, string> = {};
  const r = args.resilience;
  if (r) {
    serviceAnnotations = resilienceAnnotations(r.service);
    const serviceParent = [{ group: "core", kind: "Service", name, port: args.port }];
    const outbound = (suffix: string, matches: object[], annotations: Record<string, string>) => ({
      apiVersion: A.httpRoute,
      kind: "HTTPRoute",
      metadata: {
        ...meta(`${name}-${suffix}`),
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      },
      spec: { parentRefs: serviceParent, rules: [{ matches }] },
    });
    for (const route of r.routes ?? []) {
      const path = { type: "PathPrefix", value: route.pathPrefix };
      const matches = route.methods?.length
        ? route.methods.map((method) => ({ path, method }))
        : [{ path }];
      objects.push(outbound(`route-${route.name}`, matches, resilienceAnnotations(route.policy)));
    }
    if ((r.routes ?? []).length > 0) {
      objects.push(outbound("route-default", [{ path: { type: "PathPrefix", value: "/" } }], {}));
    }
  }
  return { objects, serviceAnnotations, allowedIdentities: identities };
}

/** The unmeshed Prometheus the metrics route admits (for the Microservice's NetworkPolicy). */
export const METRICS_SCRAPER = CLUSTER_PROMETHEUS;
