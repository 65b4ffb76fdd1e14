/**
 * The `flows` cross-check: every flow of ./flowTable.ts is proven open through each layer the
 * graph holds on its path, and every security-group rule and NetworkPolicy rule is accounted for
 * by some declared flow.
 *
 * Layers:
 * - AWS security groups. A flow from group A to group B on port P is open iff A's egress admits B
 *   (by referenced group, or a CIDR containing the VPC) on P and B's ingress admits A likewise.
 *   Default egress: the AWS provider removes the allow-all egress rule AWS adds to a new group
 *   ("NOTE on Egress rules", @pulumi/aws 7.48.0 ec2/securityGroup.d.ts), and the project adds no
 *   egress rules, so a group the graph creates has exactly the egress it declares. The EKS cluster
 *   security group is created by EKS, not by the graph, with an allow-all outbound rule
 *   (https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html), so its egress is
 *   assumed open. A `{cidr: "vpc"}` source has no egress to check.
 * - Kubernetes NetworkPolicies (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
 *   a pod is isolated for a direction iff a policy in its namespace selects it with that
 *   policyType; an isolated pod admits a connection iff some rule of a selecting policy matches
 *   the peer and the port. Pods hold VPC addresses (VPC CNI), so an ipBlock matches a security
 *   group or VPC destination when its cidr contains the VPC's CIDR and it excepts nothing.
 *   Named ports never match a numeric flow port (the table declares numbers).
 */
import type { CheckedResource } from "./graph";
import type { CrossCheck, CrossCheckResult } from "./crossResource";
import {
  APP_NAMESPACES,
  CHART_NETWORK_AUTHENTICATIONS,
  FLOWS,
  type Flow,
  type FlowEndpoint,
} from "./flowTable";
import { APP_NAMESPACE_LABEL } from "../../components/mesh/appNamespace";
import { kubernetesServiceIp } from "../../components/services/microservice";
import { revealSecrets } from "../stackExport";
import { selects } from "./monitors";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const SG_IN = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const SG_OUT = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const EKS = "aws:eks/cluster:Cluster";
const VPC = "aws:ec2/vpc:Vpc";
const SUBNET = "aws:ec2/subnet:Subnet";
const ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
/** The tag of the private subnets (components/network/vpc.ts), where internal load balancers go. */
const INTERNAL_ELB_TAG = "kubernetes.io/role/internal-elb";
const LINKERD_POLICY_KINDS = new Set([
  "Server",
  "AuthorizationPolicy",
  "HTTPRoute",
  "NetworkAuthentication",
  "MeshTLSAuthentication",
]);
/** The FlowEndpoint name of the EKS-created cluster security group. */
export const EKS_CLUSTER_GROUP = "eks-cluster";

type Dict = Record<string, unknown>;
const obj = (v: unknown): Dict => (v && typeof v === "object" ? (v as Dict) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** One security-group rule, normalised from a rule resource or a group's inline block. */
interface SgRule {
  /** What to name in a report: the rule's URN, or the group's URN and block. */
  key: string;
  group: string;
  direction: "ingress" | "egress";
  peerGroup?: string;
  cidr?: string;
  protocol: string;
  from: number;
  to: number;
}

interface Group {
  id: string;
  urn: string;
  names: string[];
  /** Created outside the graph (the EKS cluster group): egress allow-all. */
  external: boolean;
}

interface Pod {
  namespace: string;
  labels: Record<string, string>;
  /** The pod's service account, when the flow table names it (its mesh identity). */
  serviceAccount?: string;
  /** Meshed although its namespace is not annotated (a chart injects its pods itself). */
  meshed?: boolean;
}

/** A Linkerd policy object (policy.linkerd.io) of the graph. */
interface LinkerdObject {
  urn: string;
  kind: string;
  namespace: string;
  name: string;
  spec: Dict;
}

interface Policy {
  urn: string;
  namespace: string;
  spec: Dict;
}

function ipv4(cidr: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return undefined;
  const bits = Number(m[5]);
  const addr = ((+m[1] << 24) | (+m[2] << 16) | (+m[3] << 8) | +m[4]) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return [(addr & mask) >>> 0, bits];
}

/** Whether `outer` contains all of `inner`. */
export function cidrContains(outer: string, inner: string): boolean {
  const o = ipv4(outer);
  const i = ipv4(inner);
  if (!o || !i || o[1] > i[1]) return false;
  const mask = o[1] === 0 ? 0 : (~0 << (32 - o[1])) >>> 0;
  return (i[0] & mask) >>> 0 === o[0];
}

/** The graph, indexed for the evaluator. */
export class FlowGraph {
  readonly groups: Group[] = [];
  readonly rules: SgRule[] = [];
  readonly policies: Policy[] = [];
  readonly namespaceLabels = new Map<string, Record<string, string>>();
  readonly namespaceAnnotations = new Map<string, Record<string, string>>();
  readonly linkerd: LinkerdObject[] = [];
  /** The private subnets' CIDRs (tagged {@link INTERNAL_ELB_TAG}). */
  readonly privateSubnetCidrs: string[] = [];
  vpcCidr?: string;
  /** The `kubernetes` Service's ClusterIP, from the EKS cluster's Service CIDR. */
  apiServiceIp?: string;
  /** Service accounts some RoleBinding of the graph names as a subject. */
  readonly boundServiceAccounts = new Set<string>();

  constructor(resources: CheckedResource[]) {
    const rs = resources.map((r) => ({ ...r, inputs: obj(revealSecrets(r.inputs)) }));
    const suffix = (urn: string) => urn.split("::").pop() ?? urn;
    for (const r of rs) {
      const out = obj(revealSecrets(r.outputs));
      if (r.type === VPC) this.vpcCidr = str(r.inputs.cidrBlock) ?? str(out.cidrBlock);
      if (r.type === SUBNET && obj(r.inputs.tags)[INTERNAL_ELB_TAG] === "1") {
        const cidr = str(r.inputs.cidrBlock);
        if (cidr) this.privateSubnetCidrs.push(cidr);
      }
      if (r.type === SG) {
        const id = str(out.id) ?? r.id ?? "";
        const tagName = str(obj(r.inputs.tags).Name);
        this.groups.push({
          id,
          urn: r.urn,
          names: [suffix(r.urn), ...(tagName ? [tagName] : [])],
          external: false,
        });
        for (const direction of ["ingress", "egress"] as const)
          arr(r.inputs[direction]).forEach((b, i) => {
            const block = obj(b);
            const cidrs = arr(block.cidrBlocks).map(String);
            const peers = arr(block.securityGroups).map(String);
            if (block.self === true) peers.push(id);
            for (const peer of [
              ...cidrs.map((c) => ({ cidr: c })),
              ...peers.map((g) => ({ peerGroup: g })),
            ])
              this.rules.push({
                key: `${r.urn} ${direction}[${i}]`,
                group: id,
                direction,
                ...peer,
                protocol: String(block.protocol ?? "-1"),
                from: Number(block.fromPort ?? 0),
                to: Number(block.toPort ?? 65535),
              });
          });
      }
      if (r.type === EKS) {
        const id = str(obj(out.vpcConfig).clusterSecurityGroupId);
        if (id) this.groups.push({ id, urn: r.urn, names: [EKS_CLUSTER_GROUP], external: true });
        const serviceCidr = str(obj(out.kubernetesNetworkConfig).serviceIpv4Cidr);
        if (serviceCidr) this.apiServiceIp = kubernetesServiceIp(serviceCidr);
      }
      if (r.type === ROLE_BINDING)
        for (const subject of arr(r.inputs.subjects).map(obj))
          if (str(subject.kind) === "ServiceAccount" && str(subject.name))
            this.boundServiceAccounts.add(String(subject.name));
      if (r.type === SG_IN || r.type === SG_OUT) {
        const i = r.inputs;
        this.rules.push({
          key: r.urn,
          group: String(i.securityGroupId),
          direction: r.type === SG_IN ? "ingress" : "egress",
          peerGroup: str(i.referencedSecurityGroupId),
          cidr: str(i.cidrIpv4),
          protocol: String(i.ipProtocol),
          from: Number(i.fromPort ?? 0),
          to: Number(i.toPort ?? 65535),
        });
      }
      if (r.type === NAMESPACE) {
        const meta = obj(r.inputs.metadata);
        const name = str(meta.name) ?? suffix(r.urn);
        this.namespaceLabels.set(name, {
          ...(obj(meta.labels) as Record<string, string>),
          "kubernetes.io/metadata.name": name,
        });
        this.namespaceAnnotations.set(name, obj(meta.annotations) as Record<string, string>);
      }
      const kind = str(r.inputs.kind);
      if (str(r.inputs.apiVersion)?.startsWith("policy.linkerd.io/") && kind) {
        if (LINKERD_POLICY_KINDS.has(kind)) {
          const meta = obj(r.inputs.metadata);
          this.linkerd.push({
            urn: r.urn,
            kind,
            namespace: str(meta.namespace) ?? "default",
            name: str(meta.name) ?? suffix(r.urn),
            spec: obj(r.inputs.spec),
          });
        }
      }
      if (r.type === NETPOL) {
        const meta = obj(r.inputs.metadata);
        this.policies.push({
          urn: r.urn,
          namespace: str(meta.namespace) ?? "default",
          spec: obj(r.inputs.spec),
        });
      }
    }
  }

  group(name: string): Group | undefined {
    return this.groups.find((g) => g.names.includes(name));
  }

  nsLabels(ns: string): Record<string, string> {
    return this.namespaceLabels.get(ns) ?? { "kubernetes.io/metadata.name": ns };
  }

  /** Whether the proxy injector meshes the namespace's pods (`linkerd.io/inject: enabled`). */
  meshed(ns: string): boolean {
    return this.namespaceAnnotations.get(ns)?.["linkerd.io/inject"] === "enabled";
  }

  appNamespaces(): string[] {
    return [...this.namespaceLabels.entries()]
      .filter(([, l]) => l[APP_NAMESPACE_LABEL] === "true")
      .map(([n]) => n);
  }
}

/** A concrete endpoint: app namespaces expanded, groups resolved. */
type End =
  | { kind: "pod"; pod: Pod }
  | { kind: "group"; group: Group; inPrivateSubnets?: boolean }
  | { kind: "vpc" }
  | { kind: "kubelet" }
  | { kind: "kubernetesApi" };

function describe(e: End): string {
  if (e.kind === "pod")
    return `pods ${JSON.stringify(e.pod.labels)} in namespace ${e.pod.namespace}`;
  if (e.kind === "group") return `security group ${e.group.urn}`;
  if (e.kind === "kubelet") return "the node's kubelet";
  if (e.kind === "kubernetesApi") return "the Kubernetes API (the kubernetes Service's ClusterIP)";
  return "the VPC";
}

/** The outcome of one flow: the blocking reasons and the rules it used. */
export interface FlowOutcome {
  blocked: string[];
  used: Set<string>;
}

function expand(g: FlowGraph, e: FlowEndpoint, flow: string): End[] | string {
  if ("cidr" in e) return [{ kind: "vpc" }];
  if ("kubelet" in e) return [{ kind: "kubelet" }];
  if ("kubernetesApi" in e) return [{ kind: "kubernetesApi" }];
  if ("securityGroup" in e) {
    const group = g.group(e.securityGroup);
    return group
      ? [{ kind: "group", group, inPrivateSubnets: e.inPrivateSubnets }]
      : `${flow}: no security group named "${e.securityGroup}" in the graph (URN name, tag Name, or "${EKS_CLUSTER_GROUP}"); fix the flow table or the graph`;
  }
  const namespaces = e.namespace === APP_NAMESPACES ? g.appNamespaces() : [e.namespace];
  return namespaces.map((namespace) => ({
    kind: "pod",
    pod: {
      namespace,
      labels: e.podLabels,
      serviceAccount: e.serviceAccount,
      meshed: e.meshed,
    },
  }));
}

function portMatches(rule: SgRule, port: number, protocol: string): boolean {
  if (rule.protocol === "-1") return true;
  return (
    rule.protocol.toLowerCase() === protocol.toLowerCase() && rule.from <= port && port <= rule.to
  );
}

/** Security-group layer; `src`/`dst` already mapped to groups or the VPC. */
function sgLayer(
  g: FlowGraph,
  src: End,
  dst: Group,
  port: number,
  protocol: string,
  out: FlowOutcome,
): void {
  const cluster = g.group(EKS_CLUSTER_GROUP);
  const srcGroup = src.kind === "group" ? src.group : src.kind === "pod" ? cluster : undefined;
  if (src.kind === "pod" && !srcGroup) {
    out.blocked.push(`no EKS cluster security group in the graph for ${describe(src)}`);
    return;
  }
  const admits = (rule: SgRule, peer: Group | undefined): boolean =>
    portMatches(rule, port, protocol) &&
    ((peer !== undefined && rule.peerGroup === peer.id) ||
      (rule.cidr !== undefined && g.vpcCidr !== undefined && cidrContains(rule.cidr, g.vpcCidr)));
  if (srcGroup && !srcGroup.external) {
    const egress = g.rules.filter(
      (r) => r.group === srcGroup.id && r.direction === "egress" && admits(r, dst),
    );
    if (egress.length === 0)
      out.blocked.push(
        `security group ${srcGroup.urn} (no egress rule admits ${dst.urn} on ${protocol.toLowerCase()}/${port})`,
      );
    egress.forEach((r) => out.used.add(r.key));
  }
  const ingress = g.rules.filter(
    (r) => r.group === dst.id && r.direction === "ingress" && admits(r, srcGroup),
  );
  if (ingress.length === 0)
    out.blocked.push(
      `security group ${dst.urn} (no ingress rule admits ${srcGroup ? srcGroup.urn : "the VPC"} on ${protocol.toLowerCase()}/${port})`,
    );
  ingress.forEach((r) => out.used.add(r.key));
}

/**
 * Whether `cidrs` together cover every private subnet, for an end whose addresses lie there (an
 * internal load balancer's nodes): each private subnet inside one of them.
 */
function coversPrivateSubnets(g: FlowGraph, end: End, cidrs: Array<string | undefined>): boolean {
  if (end.kind !== "group" || !end.inPrivateSubnets || g.privateSubnetCidrs.length === 0)
    return false;
  return g.privateSubnetCidrs.every((subnet) =>
    cidrs.some((cidr) => cidr !== undefined && cidrContains(cidr, subnet)),
  );
}

/** Whether a NetworkPolicy peer matches the other end of the flow. */
function peerMatches(g: FlowGraph, policy: Policy, peer: Dict, other: End): boolean {
  if (peer.ipBlock !== undefined) {
    const b = obj(peer.ipBlock);
    if (other.kind === "kubernetesApi")
      return (
        g.apiServiceIp !== undefined &&
        cidrContains(String(b.cidr), `${g.apiServiceIp}/32`) &&
        arr(b.except).length === 0
      );
    if (other.kind === "pod" || g.vpcCidr === undefined) return false;
    return cidrContains(String(b.cidr), g.vpcCidr) && arr(b.except).length === 0;
  }
  if (other.kind !== "pod") return false;
  const nsOk =
    peer.namespaceSelector !== undefined
      ? selects(peer.namespaceSelector, g.nsLabels(other.pod.namespace))
      : other.pod.namespace === policy.namespace;
  const podOk = peer.podSelector !== undefined ? selects(peer.podSelector, other.pod.labels) : true;
  return nsOk && podOk;
}

function npPortMatches(ports: unknown, port: number, protocol: string): boolean {
  const list = arr(ports);
  if (list.length === 0) return true;
  return list.some((p) => {
    const { port: pp, endPort, protocol: proto } = obj(p);
    if (String(proto ?? "TCP") !== protocol) return false;
    if (pp === undefined) return true;
    if (typeof pp !== "number") return false;
    return typeof endPort === "number" ? pp <= port && port <= endPort : pp === port;
  });
}

/** NetworkPolicy layer for one direction of `pod`. */
function npLayer(
  g: FlowGraph,
  pod: Pod,
  direction: "Ingress" | "Egress",
  other: End,
  port: number,
  protocol: string,
  out: FlowOutcome,
): void {
  const selecting = g.policies.filter((p) => {
    if (p.namespace !== pod.namespace) return false;
    if (!selects(p.spec.podSelector, pod.labels)) return false;
    const types = arr(p.spec.policyTypes).map(String);
    const effective =
      types.length > 0 ? types : ["Ingress", ...(p.spec.egress !== undefined ? ["Egress"] : [])];
    return effective.includes(direction);
  });
  if (selecting.length === 0) return;
  const key = direction === "Ingress" ? "ingress" : "egress";
  const peersKey = direction === "Ingress" ? "from" : "to";
  let allowed = false;
  for (const p of selecting)
    arr(p.spec[key]).forEach((rule, i) => {
      const r = obj(rule);
      const peers = r[peersKey] === undefined ? [{}] : arr(r[peersKey]).map(obj);
      const peerOk =
        peers.some((peer) =>
          Object.keys(peer).length === 0 ? true : peerMatches(g, p, peer, other),
        ) ||
        coversPrivateSubnets(
          g,
          other,
          peers
            .map((peer) => obj(peer.ipBlock))
            .filter((b) => arr(b.except).length === 0)
            .map((b) => str(b.cidr)),
        );
      if (peerOk && npPortMatches(r.ports, port, protocol)) {
        allowed = true;
        out.used.add(`${p.urn} ${key}[${i}]`);
      }
    });
  if (!allowed)
    out.blocked.push(
      `NetworkPolicy ${selecting.map((p) => p.urn).join(", ")} (${describe({ kind: "pod", pod })} isolated for ${direction}; no rule admits ${describe(other)} on ${protocol.toLowerCase()}/${port})`,
    );
}

/**
 * The proxy's own named ports (linkerd edge-26.8.3 charts/partials/templates/_proxy.tpl), which
 * Servers may name instead of a number.
 */
const PROXY_NAMED_PORTS: Record<string, number> = { "linkerd-proxy": 4143, "linkerd-admin": 4191 };
const PROXY_TAP_PORT = 4190;

/**
 * The cluster-wide default inbound policy when a namespace sets none: the linkerd-control-plane
 * chart's `proxy.defaultInboundPolicy` (values.yaml at 2026.8.3), which the stack does not change.
 */
const CLUSTER_DEFAULT_INBOUND_POLICY = "all-unauthenticated";

/** Whether an HTTPRoute matches the path (Gateway API: a path match is PathPrefix by default). */
function routeMatches(route: LinkerdObject, path: string): boolean {
  return arr(route.spec.rules).some((rule) =>
    arr(obj(rule).matches).some((m) => {
      const p = obj(obj(m).path);
      const value = str(p.value) ?? "/";
      return str(p.type) === "Exact" ? path === value : path.startsWith(value);
    }),
  );
}

/** Whether the source satisfies one of an AuthorizationPolicy's required authentications. */
function authenticates(g: FlowGraph, ns: string, ref: Dict, src: End): string | undefined {
  const kind = str(ref.kind);
  const refNs = str(ref.namespace) ?? ns;
  const name = str(ref.name);
  const srcMeshed = src.kind === "pod" && (src.pod.meshed ?? g.meshed(src.pod.namespace));
  if (kind === "NetworkAuthentication") {
    const auth = g.linkerd.find((o) => o.kind === kind && o.namespace === refNs && o.name === name);
    const chartMade = CHART_NETWORK_AUTHENTICATIONS.find(
      (a) => a.namespace === refNs && a.name === name,
    );
    const networks: Array<string | undefined> = auth
      ? arr(auth.spec.networks).map((n) => str(obj(n).cidr))
      : [...(chartMade?.networks ?? [])];
    // Pods and nodes have VPC addresses (VPC CNI): a network containing the VPC admits them.
    const ok =
      networks.some(
        (cidr) => cidr !== undefined && g.vpcCidr !== undefined && cidrContains(cidr, g.vpcCidr),
      ) || coversPrivateSubnets(g, src, networks);
    return ok ? (auth?.urn ?? chartMade?.template) : undefined;
  }
  if (src.kind !== "pod" || !srcMeshed || src.pod.serviceAccount === undefined) return undefined;
  const identity = `${src.pod.serviceAccount}.${src.pod.namespace}.serviceaccount.identity.linkerd.cluster.local`;
  if (kind === "ServiceAccount") {
    return name === src.pod.serviceAccount && refNs === src.pod.namespace ? "sa" : undefined;
  }
  if (kind === "MeshTLSAuthentication") {
    const auth = g.linkerd.find((o) => o.kind === kind && o.namespace === refNs && o.name === name);
    if (!auth) return undefined;
    const ids = arr(auth.spec.identities).map(String);
    const sas = arr(auth.spec.identityRefs).map(obj);
    const ok =
      ids.includes(identity) ||
      ids.includes("*") ||
      sas.some(
        (r) =>
          str(r.kind) === "ServiceAccount" &&
          (str(r.name) === src.pod.serviceAccount || str(r.name) === "*") &&
          (str(r.namespace) ?? refNs) === src.pod.namespace,
      );
    return ok ? auth.urn : undefined;
  }
  return undefined;
}

/**
 * Linkerd's inbound authorization at a meshed destination pod: a Server selecting the pod and port
 * needs an AuthorizationPolicy (on the Server, one of its HTTPRoutes, or the namespace) whose
 * every required authentication the source satisfies; without a Server, the namespace's
 * `config.linkerd.io/default-inbound-policy` (else the cluster default) decides.
 */
function linkerdLayer(
  g: FlowGraph,
  dst: Pod,
  src: End,
  port: number,
  path: string | undefined,
  out: FlowOutcome,
): void {
  // The proxy's tap port answers only the tap controller's identity, checked by the proxy itself
  // (LINKERD2_PROXY_TAP_SVC_NAME, charts/partials/templates/_proxy.tpl), not by policy objects.
  if (!g.meshed(dst.namespace) || port === PROXY_TAP_PORT) return;
  // The injector labels every meshed pod with its control plane's namespace.
  const labels = { "linkerd.io/control-plane-ns": "linkerd", ...dst.labels };
  const servers = g.linkerd.filter((o) => {
    if (o.kind !== "Server" || o.namespace !== dst.namespace) return false;
    if (!selects(o.spec.podSelector, labels)) return false;
    const p = o.spec.port;
    return typeof p === "number" ? p === port : PROXY_NAMED_PORTS[String(p)] === port;
  });
  const srcMeshed = src.kind === "pod" && (src.pod.meshed ?? g.meshed(src.pod.namespace));
  if (servers.length === 0) {
    const policy =
      g.namespaceAnnotations.get(dst.namespace)?.["config.linkerd.io/default-inbound-policy"] ??
      CLUSTER_DEFAULT_INBOUND_POLICY;
    const ok =
      policy === "all-unauthenticated" ||
      policy === "cluster-unauthenticated" ||
      ((policy === "all-authenticated" || policy === "cluster-authenticated") && srcMeshed);
    if (!ok)
      out.blocked.push(
        `Linkerd (no Server for ${describe({ kind: "pod", pod: dst })} port ${port}; namespace default inbound policy "${policy}" refuses ${describe(src)})`,
      );
    return;
  }
  for (const server of servers) {
    const routes = g.linkerd.filter(
      (o) =>
        o.kind === "HTTPRoute" &&
        o.namespace === dst.namespace &&
        arr(o.spec.parentRefs).some(
          (r) => str(obj(r).kind) === "Server" && str(obj(r).name) === server.name,
        ),
    );
    const targets = (t: Dict): boolean => {
      const kind = str(t.kind);
      const name = str(t.name);
      return (
        (kind === "Server" && name === server.name) ||
        (kind === "HTTPRoute" &&
          path !== undefined &&
          routes.some((r) => r.name === name && routeMatches(r, path))) ||
        (kind === "Namespace" && name === dst.namespace)
      );
    };
    const admitted = g.linkerd.filter(
      (o) =>
        o.kind === "AuthorizationPolicy" &&
        o.namespace === dst.namespace &&
        targets(obj(o.spec.targetRef)) &&
        arr(o.spec.requiredAuthenticationRefs).length > 0 &&
        arr(o.spec.requiredAuthenticationRefs).every(
          (ref) => authenticates(g, dst.namespace, obj(ref), src) !== undefined,
        ),
    );
    if (admitted.length === 0)
      out.blocked.push(
        `Linkerd Server ${server.urn} (no AuthorizationPolicy admits ${describe(src)}${srcMeshed ? "" : " (unmeshed: only a NetworkAuthentication can)"})`,
      );
    admitted.forEach((a) => out.used.add(a.urn));
  }
}

/** Evaluates one flow through every layer. */
export function evaluateFlow(g: FlowGraph, flow: Flow): FlowOutcome | string {
  const out: FlowOutcome = { blocked: [], used: new Set() };
  const protocol = flow.protocol ?? "TCP";
  const froms = expand(g, flow.from, flow.name);
  if (typeof froms === "string") return froms;
  const tos = expand(g, flow.to, flow.name);
  if (typeof tos === "string") return tos;
  if (froms.some((e) => e.kind === "kubernetesApi"))
    return `${flow.name}: the Kubernetes API is a destination only`;
  if (tos.some((e) => e.kind === "kubernetesApi") && g.apiServiceIp === undefined)
    out.blocked.push(
      "no EKS cluster with kubernetesNetworkConfig.serviceIpv4Cidr in the graph (the kubernetes Service's ClusterIP is unknown)",
    );
  for (const src of froms)
    for (const dst of tos) {
      if (src.kind === "pod") npLayer(g, src.pod, "Egress", dst, flow.port, protocol, out);
      if (dst.kind === "pod") {
        // NetworkPolicies never apply between a pod and its own node's kubelet.
        if (src.kind !== "kubelet") npLayer(g, dst.pod, "Ingress", src, flow.port, protocol, out);
        linkerdLayer(g, dst.pod, src, flow.port, flow.path, out);
      }
      // Pod to pod stays inside the cluster group (node to node): the AWS layer is not on the path.
      if (dst.kind === "group") sgLayer(g, src, dst.group, flow.port, protocol, out);
    }
  return out;
}

/**
 * Whether every security-group end of a flow is in the graph, and the Role binding it asks for
 * (`onlyWhereRoleBoundTo`), for `onlyWhere` flows.
 */
function endsPresent(g: FlowGraph, flow: Flow): boolean {
  return (
    [flow.from, flow.to].every((e) => !("securityGroup" in e) || g.group(e.securityGroup)) &&
    (flow.onlyWhereRoleBoundTo === undefined ||
      g.boundServiceAccounts.has(flow.onlyWhereRoleBoundTo))
  );
}

/** Runs the check with a given table (the plan uses FLOWS); `onlyWhere` flows whose ends are absent are skipped. */
export function checkFlows(resources: CheckedResource[], flows: Flow[] = FLOWS): CrossCheckResult {
  const g = new FlowGraph(resources);
  const errors: string[] = [];
  const used = new Set<string>();
  let checked = 0;
  for (const flow of flows) {
    if (flow.onlyWhere && !endsPresent(g, flow)) continue;
    checked++;
    const r = evaluateFlow(g, flow);
    if (typeof r === "string") {
      errors.push(r);
      continue;
    }
    r.used.forEach((k) => used.add(k));
    for (const b of [...new Set(r.blocked)]) errors.push(`${flow.name}: blocked by ${b}`);
  }
  for (const rule of g.rules)
    if (!used.has(rule.key))
      errors.push(
        `undeclared opening: security-group rule ${rule.key} (${rule.direction} ${rule.protocol}/${rule.from}-${rule.to} ${rule.peerGroup ?? rule.cidr}); declare its flow in tools/checks/flowTable.ts or remove the rule`,
      );
  for (const p of g.policies)
    for (const key of ["ingress", "egress"])
      arr(p.spec[key]).forEach((_, i) => {
        if (!used.has(`${p.urn} ${key}[${i}]`))
          errors.push(
            `undeclared opening: NetworkPolicy ${p.urn} ${key}[${i}]; declare its flow in tools/checks/flowTable.ts or remove the rule`,
          );
      });
  for (const a of g.linkerd)
    if (a.kind === "AuthorizationPolicy" && !used.has(a.urn))
      errors.push(
        `undeclared opening: Linkerd AuthorizationPolicy ${a.urn}; declare its flow in tools/checks/flowTable.ts or remove the policy`,
      );
  return { checked, errors };
}

/** The registered check. */
export const flowsCheck: CrossCheck = {
  name: "flows",
  unit: "flows",
  run: (resources) => checkFlows(resources),
};
