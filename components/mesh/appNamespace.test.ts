import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { acmeKubernetesNamespaceEnforceLinkerdMesh } from "../../policies/rules/kubernetes/Namespace/enforceLinkerdMesh";
import { validateManifest } from "../../tools/checks/manifests";
import type { Capture, CapturedResource } from "../../tools/mocks";
import { evaluateStackExport } from "../../policies/lib/runner";
import { toStackExport } from "../../tools/stackExport";
import { mockPlatform, single } from "../../tools/testing";
import {
  AppNamespace,
  type AppNamespaceArgs,
  meshIdentity,
  validateAppNamespaceArgs,
} from "./appNamespace";
import { CertManager } from "./certManager";
import { Linkerd } from "./linkerd";

const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const POLICY = (version: string, kind: string) => `kubernetes:policy.linkerd.io/${version}:${kind}`;

describe("AppNamespace", () => {
  let capture: Capture;
  let ordersUrn: string;
  let provider: k8s.Provider;
  let linkerd: Linkerd;

  const args = (overrides: Partial<AppNamespaceArgs> = {}): AppNamespaceArgs => ({
    provider,
    linkerd,
    namespace: "orders",
    vpcCidrBlock: "10.0.0.0/16",
    services: {
      "orders-api": {
        podSelector: { "app.kubernetes.io/name": "orders-api" },
        port: 8080,
        proxyProtocol: "HTTP/2",
        allowedClients: [
          { namespace: "web", serviceAccount: "storefront" },
          { namespace: "orders", serviceAccount: "orders-worker" },
        ],
      },
    },
    egress: [
      { namespace: "payments", ports: [8443] },
      { cidr: "10.0.128.0/20", ports: [443] },
    ],
    ...overrides,
  });

  before(async () => {
    capture = await mockPlatform();
    provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    const certManager = new CertManager("cm", { provider, highAvailability: false });
    linkerd = new Linkerd("mesh", {
      provider,
      certManager,
      highAvailability: false,
      proxyResources: { cpuRequest: "50m", memoryRequest: "32Mi", memoryLimit: "128Mi" },
    });
    const orders = new AppNamespace("orders", args());
    new AppNamespace(
      "quiet",
      args({ namespace: "quiet", services: {}, egress: [], allowMetricsScrapes: false }),
    );
    await capture.settle();
    ordersUrn = await new Promise<string>((resolve) => orders.urn.apply(resolve));
  });

  const children = (parentName: string) =>
    [...capture.resources.values()].filter((r) =>
      r.parent?.endsWith(`acme:mesh:AppNamespace::${parentName}`),
    );
  const spec = (r: CapturedResource) => r.inputs.spec as Record<string, unknown>;
  const np = (name: string) => single(capture, NP, name);

  it("registers exactly the expected children", () => {
    assert.deepEqual(
      children("orders")
        .map((r) => `${r.type}::${r.name}`)
        .sort(),
      [
        "kubernetes:core/v1:Namespace::orders-namespace",
        `${NP}::orders-allow-dns`,
        `${NP}::orders-allow-egress`,
        `${NP}::orders-allow-linkerd`,
        `${NP}::orders-allow-orders-api`,
        `${NP}::orders-allow-platform-egress`,
        `${NP}::orders-allow-prometheus`,
        `${NP}::orders-default-deny`,
        `${POLICY("v1alpha1", "AuthorizationPolicy")}::orders-cluster-prometheus-scrape-policy`,
        `${POLICY("v1alpha1", "AuthorizationPolicy")}::orders-orders-api-authorizationpolicy`,
        `${POLICY("v1alpha1", "AuthorizationPolicy")}::orders-prometheus-scrape-policy`,
        `${POLICY("v1alpha1", "AuthorizationPolicy")}::orders-proxy-probes-policy`,
        `${POLICY("v1alpha1", "MeshTLSAuthentication")}::orders-orders-api-clients-meshtlsauthentication`,
        `${POLICY("v1alpha1", "NetworkAuthentication")}::orders-pod-network-authn`,
        `${POLICY("v1beta3", "HTTPRoute")}::orders-proxy-metrics-route`,
        `${POLICY("v1beta3", "HTTPRoute")}::orders-proxy-probes-route`,
        `${POLICY("v1beta3", "Server")}::orders-orders-api-server`,
        `${POLICY("v1beta3", "Server")}::orders-proxy-admin-server`,
      ],
    );
    assert.deepEqual(
      children("quiet")
        .map((r) => `${r.type}::${r.name}`)
        .sort(),
      [
        "kubernetes:core/v1:Namespace::quiet-namespace",
        `${NP}::quiet-allow-dns`,
        `${NP}::quiet-allow-linkerd`,
        `${NP}::quiet-allow-platform-egress`,
        `${NP}::quiet-default-deny`,
      ],
    );
    assert.ok(children("orders").every((r) => r.parent === ordersUrn));
  });

  it("creates the namespace meshed, default-deny and labelled as an application namespace", () => {
    assert.deepEqual(
      single(capture, "kubernetes:core/v1:Namespace", "orders-namespace").inputs.metadata,
      {
        name: "orders",
        labels: { "acme.io/app-namespace": "true" },
        annotations: {
          "linkerd.io/inject": "enabled",
          "config.linkerd.io/default-inbound-policy": "deny",
        },
      },
    );
  });

  it("waits for the mesh: CRDs, control plane and injector before anything in the namespace", () => {
    const controlPlane = single(capture, "kubernetes:helm.sh/v3:Release", "mesh-control-plane");
    const crds = single(capture, "kubernetes:helm.sh/v3:Release", "mesh-crds");
    for (const child of children("orders")) {
      assert.ok(child.dependencies.includes(controlPlane.urn), child.name);
      assert.ok(child.dependencies.includes(crds.urn), child.name);
    }
  });

  it("authorizes only the listed meshed identities to reach the service's Server", () => {
    const server = single(capture, POLICY("v1beta3", "Server"), "orders-orders-api-server");
    assert.deepEqual(server.inputs.metadata, { name: "orders-api", namespace: "orders" });
    assert.deepEqual(spec(server), {
      podSelector: { matchLabels: { "app.kubernetes.io/name": "orders-api" } },
      port: 8080,
      proxyProtocol: "HTTP/2",
      accessPolicy: "deny",
    });
    const authn = single(
      capture,
      POLICY("v1alpha1", "MeshTLSAuthentication"),
      "orders-orders-api-clients-meshtlsauthentication",
    );
    assert.deepEqual(authn.inputs.metadata, { name: "orders-api-clients", namespace: "orders" });
    assert.deepEqual(spec(authn), {
      identities: [
        "orders-worker.orders.serviceaccount.identity.linkerd.cluster.local",
        "storefront.web.serviceaccount.identity.linkerd.cluster.local",
      ],
    });
    const authz = single(
      capture,
      POLICY("v1alpha1", "AuthorizationPolicy"),
      "orders-orders-api-authorizationpolicy",
    );
    assert.deepEqual(spec(authz), {
      targetRef: { group: "policy.linkerd.io", kind: "Server", name: "orders-api" },
      requiredAuthenticationRefs: [
        { group: "policy.linkerd.io", kind: "MeshTLSAuthentication", name: "orders-api-clients" },
      ],
    });
    assert.equal(
      meshIdentity({ namespace: "web", serviceAccount: "storefront" }),
      "storefront.web.serviceaccount.identity.linkerd.cluster.local",
    );
  });

  it("fences the namespace with NetworkPolicies: deny all, then DNS, Linkerd, the service and listed egress", () => {
    assert.deepEqual(spec(np("orders-default-deny")), {
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
    });
    assert.deepEqual(spec(np("orders-allow-dns")), {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
              podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
          ],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    });
    assert.deepEqual(spec(np("orders-allow-linkerd")), {
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      egress: [
        {
          to: [
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "linkerd" } } },
          ],
        },
      ],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "linkerd-viz" } },
            },
          ],
          ports: [
            { protocol: "TCP", port: 4191 },
            { protocol: "TCP", port: 4190 },
          ],
        },
      ],
    });
    assert.deepEqual(spec(np("orders-allow-orders-api")), {
      podSelector: { matchLabels: { "app.kubernetes.io/name": "orders-api" } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: {
                matchExpressions: [
                  { key: "kubernetes.io/metadata.name", operator: "In", values: ["orders", "web"] },
                ],
              },
            },
          ],
          ports: [{ protocol: "TCP", port: 8080 }],
        },
      ],
    });
    assert.deepEqual(spec(np("orders-allow-egress")), {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          to: [
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "payments" } } },
          ],
          ports: [{ protocol: "TCP", port: 8443 }],
        },
        { to: [{ ipBlock: { cidr: "10.0.128.0/20" } }], ports: [{ protocol: "TCP", port: 443 }] },
      ],
    });
  });

  it("lets every pod reach the VPC endpoints (443), MSK (9098) and the OTel collector (4317), whatever it declares", () => {
    const expected = {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          to: [{ ipBlock: { cidr: "10.0.0.0/16" } }],
          ports: [
            { protocol: "TCP", port: 443 },
            { protocol: "TCP", port: 9098 },
          ],
        },
        {
          to: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "tracing" } },
              podSelector: {
                matchLabels: {
                  "app.kubernetes.io/name": "opentelemetry-collector",
                  "app.kubernetes.io/instance": "otel-collector",
                },
              },
            },
          ],
          ports: [{ protocol: "TCP", port: 4317 }],
        },
      ],
    };
    assert.deepEqual(spec(np("orders-allow-platform-egress")), expected);
    // The namespace that declares nothing gets the same.
    assert.deepEqual(spec(np("quiet-allow-platform-egress")), expected);
  });

  it("lets the cluster's (unmeshed) Prometheus in monitoring scrape every proxy's /metrics on 4191", () => {
    assert.deepEqual(spec(np("orders-allow-prometheus")), {
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
              podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
            },
          ],
          ports: [{ protocol: "TCP", port: 4191 }],
        },
      ],
    });
    const authn = single(
      capture,
      POLICY("v1alpha1", "NetworkAuthentication"),
      "orders-pod-network-authn",
    );
    assert.deepEqual(authn.inputs.metadata, { name: "pod-network", namespace: "orders" });
    assert.deepEqual(spec(authn), { networks: [{ cidr: "10.0.0.0/16" }] });
    const policy = single(
      capture,
      POLICY("v1alpha1", "AuthorizationPolicy"),
      "orders-cluster-prometheus-scrape-policy",
    );
    assert.deepEqual(policy.inputs.metadata, {
      name: "cluster-prometheus-scrape",
      namespace: "orders",
    });
    assert.deepEqual(spec(policy), {
      targetRef: { group: "policy.linkerd.io", kind: "HTTPRoute", name: "proxy-metrics" },
      requiredAuthenticationRefs: [
        { group: "policy.linkerd.io", kind: "NetworkAuthentication", name: "pod-network" },
      ],
    });
  });

  it("lets linkerd-viz scrape the proxies and the kubelet probe them, as `linkerd viz allow-scrapes` does", () => {
    const server = single(capture, POLICY("v1beta3", "Server"), "orders-proxy-admin-server");
    assert.deepEqual(spec(server), {
      podSelector: {
        matchExpressions: [{ key: "linkerd.io/control-plane-ns", operator: "Exists" }],
      },
      port: "linkerd-admin",
      proxyProtocol: "HTTP/1",
    });
    const parentRefs = [{ group: "policy.linkerd.io", kind: "Server", name: "proxy-admin" }];
    assert.deepEqual(
      spec(single(capture, POLICY("v1beta3", "HTTPRoute"), "orders-proxy-metrics-route")),
      {
        parentRefs,
        rules: [{ matches: [{ path: { value: "/metrics" } }] }],
      },
    );
    assert.deepEqual(
      spec(single(capture, POLICY("v1beta3", "HTTPRoute"), "orders-proxy-probes-route")),
      {
        parentRefs,
        rules: [{ matches: [{ path: { value: "/live" } }, { path: { value: "/ready" } }] }],
      },
    );
    assert.deepEqual(
      spec(
        single(
          capture,
          POLICY("v1alpha1", "AuthorizationPolicy"),
          "orders-prometheus-scrape-policy",
        ),
      ),
      {
        targetRef: { group: "policy.linkerd.io", kind: "HTTPRoute", name: "proxy-metrics" },
        requiredAuthenticationRefs: [
          { kind: "ServiceAccount", name: "prometheus", namespace: "linkerd-viz" },
        ],
      },
    );
    assert.deepEqual(
      spec(
        single(capture, POLICY("v1alpha1", "AuthorizationPolicy"), "orders-proxy-probes-policy"),
      ),
      {
        targetRef: { group: "policy.linkerd.io", kind: "HTTPRoute", name: "proxy-probes" },
        requiredAuthenticationRefs: [
          {
            group: "policy.linkerd.io",
            kind: "NetworkAuthentication",
            name: "kubelet",
            namespace: "linkerd-viz",
          },
        ],
      },
    );
  });

  it("renders objects that validate against their schemas (CRDs and kubernetes-models)", () => {
    const objects = [...children("orders"), ...children("quiet")];
    assert.equal(objects.length, 23);
    for (const o of objects) assert.deepEqual(validateManifest(o.inputs), [], o.name);
  });

  it("passes the policy pack's mesh rule, which checks exactly the application namespaces", async () => {
    const result = await evaluateStackExport(
      toStackExport([...capture.resources.values()], "3.248.0"),
      { policies: [acmeKubernetesNamespaceEnforceLinkerdMesh] },
    );
    assert.deepEqual(result.violations, []);
    assert.deepEqual(result.undecidable, []);
    assert.deepEqual(result.notApplicable.map((n) => n.urn.split("::").pop()).sort(), [
      "cm-namespace",
      "mesh-namespace",
      "mesh-viz-namespace",
    ]);
  });

  it("registers its namespace and the allowed identities as outputs", () => {
    const component = [...capture.resources.values()].find((r) => r.urn === ordersUrn);
    assert.deepEqual(component?.outputs, {
      namespaceName: "orders",
      allowedIdentities: {
        "orders-api": [
          "orders-worker.orders.serviceaccount.identity.linkerd.cluster.local",
          "storefront.web.serviceaccount.identity.linkerd.cluster.local",
        ],
      },
    });
  });

  it("rejects bad arguments with every problem named and registers nothing", async () => {
    const bad = args({
      namespace: "linkerd",
      vpcCidrBlock: "10.0.0.0",
      services: {
        Bad_Name: {
          podSelector: {},
          port: 4143,
          allowedClients: [],
        },
        ok: {
          podSelector: { app: "ok" },
          port: 70000,
          allowedClients: [{ namespace: "Web", serviceAccount: "x" }],
        },
      },
      egress: [
        { namespace: "a", cidr: "10.0.0.0/8", ports: [443] },
        { cidr: "0.0.0.0/0", ports: [] },
      ],
    });
    assert.deepEqual(
      validateAppNamespaceArgs(bad).map((e) => [e.propertyPath, e.reason]),
      [
        ["namespace", '"linkerd" is a system namespace; application namespaces need their own'],
        ["vpcCidrBlock", '"10.0.0.0" is not an IPv4 CIDR; pass the VPC\'s (network.vpcCidrBlock)'],
        ["services.Bad_Name", "the service name must be a DNS label of at most 55 characters"],
        [
          "services.Bad_Name.podSelector",
          "is empty and would select every pod of the namespace; give the service's labels",
        ],
        [
          "services.Bad_Name.port",
          "4143 is a Linkerd proxy port; the application must listen elsewhere",
        ],
        [
          "services.Bad_Name.allowedClients",
          "lists no client, so nothing could reach the service; name its callers",
        ],
        ["services.ok.port", "must be 1..65535 (got 70000)"],
        [
          "services.ok.allowedClients[0]",
          '"x" in "Web" is not a valid service account and namespace',
        ],
        ["egress[0]", "set exactly one of namespace and cidr"],
        ["egress[1].cidr", '"0.0.0.0/0" must be an IPv4 CIDR narrower than /0'],
        ["egress[1].ports", "must list at least one port, each 1..65535"],
      ],
    );
    const before = capture.resources.size;
    assert.throws(
      () => new AppNamespace("bad", bad),
      (e: Error) =>
        pulumi.InputPropertiesError.isInstance(e) &&
        /AppNamespace: 11 invalid arguments/.test(e.message),
    );
    await capture.settle();
    assert.equal(capture.resources.size, before);
  });
});
