import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateCustomResource } from "../../tools/checks/crdSchemas";
import { LINKERD_ANNOTATIONS } from "../mesh/resilience";
import { meshPolicy, type MeshPolicyArgs, validateMeshPolicyArgs } from "./meshPolicy";

// The specs are read field by field; the CRD schema check above types them.
type Spec = Record<string, unknown> & {
  rules: unknown[];
  parentRefs: unknown[];
  requiredAuthenticationRefs: unknown[];
};
type Obj = { apiVersion: string; kind: string; metadata: { name: string }; spec: Spec };

/** Service A as the Microservice would declare it: meshed callers, the load balancer, Prometheus. */
function args(overrides: Partial<MeshPolicyArgs> = {}): MeshPolicyArgs {
  return {
    name: "service-a",
    namespace: "apps",
    port: 8080,
    podSelector: { "app.kubernetes.io/name": "service-a" },
    callers: [
      { namespace: "workflows", serviceAccount: "argo-workflow" },
      { namespace: "apps", serviceAccount: "worker" },
      { platform: "loadBalancer", cidrs: ["10.0.0.0/20", "10.0.16.0/20"] },
      { platform: "prometheus" },
    ],
    podNetworkCidrs: ["10.0.0.0/16"],
    resilience: {
      service: {
        requestTimeout: "5s",
        failureAccrual: {
          consecutiveFailures: 7,
          minPenalty: "1s",
          maxPenalty: "1m",
          jitterRatio: 0.5,
        },
      },
      routes: [
        {
          name: "read",
          pathPrefix: "/v1/workflow-requests",
          methods: ["GET"],
          idempotent: true,
          policy: {
            requestTimeout: "2s",
            retries: { limit: 2, statusClasses: ["gateway-error"], timeout: "500ms" },
          },
        },
      ],
      applicationAttempts: 2,
      maxTotalAttempts: 6,
    },
    ...overrides,
  };
}

const find = (objects: Obj[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind} ${name} is rendered`);
  return found;
};

describe("meshPolicy", () => {
  const policy = meshPolicy(args());
  const objects = policy.objects as Obj[];

  it("renders exactly the Server, routes, authentications and policies", () => {
    assert.deepEqual(
      objects.map((o) => `${o.kind}/${o.metadata.name}`),
      [
        "Server/service-a",
        "HTTPRoute/service-a-api",
        "MeshTLSAuthentication/service-a-clients",
        "AuthorizationPolicy/service-a-api",
        "NetworkAuthentication/service-a-load-balancer",
        "AuthorizationPolicy/service-a-api-load-balancer",
        "NetworkAuthentication/service-a-pod-network",
        "HTTPRoute/service-a-probes",
        "AuthorizationPolicy/service-a-probes",
        "HTTPRoute/service-a-metrics",
        "AuthorizationPolicy/service-a-metrics",
        "HTTPRoute/service-a-route-read",
        "HTTPRoute/service-a-route-default",
      ],
    );
  });

  it("validates every object against the pinned Linkerd CRD schemas", () => {
    for (const o of objects) assert.deepEqual(validateCustomResource(o), [], o.metadata.name);
  });

  it("denies by default on the port and admits the meshed callers by identity on the API", () => {
    assert.deepEqual(find(objects, "Server", "service-a").spec, {
      podSelector: { matchLabels: { "app.kubernetes.io/name": "service-a" } },
      port: 8080,
      proxyProtocol: "HTTP/1",
      accessPolicy: "deny",
    });
    const identities = [
      "argo-workflow.workflows.serviceaccount.identity.linkerd.cluster.local",
      "worker.apps.serviceaccount.identity.linkerd.cluster.local",
    ];
    assert.deepEqual(policy.allowedIdentities, identities);
    assert.deepEqual(find(objects, "MeshTLSAuthentication", "service-a-clients").spec, {
      identities,
    });
    assert.deepEqual(find(objects, "AuthorizationPolicy", "service-a-api").spec, {
      targetRef: { group: "policy.linkerd.io", kind: "HTTPRoute", name: "service-a-api" },
      requiredAuthenticationRefs: [
        { group: "policy.linkerd.io", kind: "MeshTLSAuthentication", name: "service-a-clients" },
      ],
    });
    assert.deepEqual(find(objects, "NetworkAuthentication", "service-a-load-balancer").spec, {
      networks: [{ cidr: "10.0.0.0/20" }, { cidr: "10.0.16.0/20" }],
    });
  });

  it("authorizes probes and /metrics from the pod network on their own exact routes only", () => {
    assert.deepEqual(find(objects, "HTTPRoute", "service-a-probes").spec.rules, [
      {
        matches: [
          { path: { type: "Exact", value: "/healthz" }, method: "GET" },
          { path: { type: "Exact", value: "/readyz" }, method: "GET" },
        ],
      },
    ]);
    assert.deepEqual(find(objects, "HTTPRoute", "service-a-metrics").spec.rules, [
      { matches: [{ path: { type: "Exact", value: "/metrics" }, method: "GET" }] },
    ]);
    for (const route of ["service-a-probes", "service-a-metrics"]) {
      assert.deepEqual(
        find(objects, "AuthorizationPolicy", route).spec.requiredAuthenticationRefs,
        [
          {
            group: "policy.linkerd.io",
            kind: "NetworkAuthentication",
            name: "service-a-pod-network",
          },
        ],
      );
    }
  });

  it("leaves /metrics unauthorized when Prometheus is not a caller", () => {
    const withoutPrometheus = meshPolicy(
      args({ callers: [{ namespace: "apps", serviceAccount: "worker" }] }),
    ).objects as Obj[];
    assert.ok(withoutPrometheus.some((o) => o.metadata.name === "service-a-metrics"));
    assert.ok(
      !withoutPrometheus.some(
        (o) => o.kind === "AuthorizationPolicy" && o.metadata.name === "service-a-metrics",
      ),
    );
    assert.ok(!withoutPrometheus.some((o) => o.metadata.name === "service-a-load-balancer"));
  });

  it("renders the Service's and each route's resilience annotations", () => {
    const a = LINKERD_ANNOTATIONS;
    assert.deepEqual(policy.serviceAnnotations, {
      [a.requestTimeout]: "5s",
      [a.failureAccrual]: "consecutive",
      [a.consecutiveMaxFailures]: "7",
      [a.consecutiveMinPenalty]: "1s",
      [a.consecutiveMaxPenalty]: "1m",
      [a.consecutiveJitterRatio]: "0.5",
    });
    const read = objects.find((o) => o.metadata.name === "service-a-route-read") as Obj & {
      metadata: { annotations: Record<string, string> };
    };
    assert.deepEqual(read.metadata.annotations, {
      [a.requestTimeout]: "2s",
      [a.retryHttp]: "gateway-error",
      [a.retryLimit]: "2",
      [a.retryTimeout]: "500ms",
    });
    assert.deepEqual(read.spec.parentRefs, [
      { group: "core", kind: "Service", name: "service-a", port: 8080 },
    ]);
    const fallback = find(objects, "HTTPRoute", "service-a-route-default");
    assert.deepEqual(fallback.spec.rules, [
      { matches: [{ path: { type: "PathPrefix", value: "/" } }] },
    ]);
  });

  it("renders no outbound route and no annotation without a resilience policy", () => {
    const plain = meshPolicy(args({ resilience: undefined }));
    assert.deepEqual(plain.serviceAnnotations, {});
    assert.ok(!(plain.objects as Obj[]).some((o) => o.metadata.name.includes("-route-")));
  });
});

describe("validateMeshPolicyArgs", () => {
  const paths = (a: MeshPolicyArgs) => validateMeshPolicyArgs(a).map((e) => e.propertyPath);

  it("accepts Service A's declaration", () => {
    assert.deepEqual(validateMeshPolicyArgs(args()), []);
  });

  it("reports every bad field at once, by name", () => {
    assert.deepEqual(
      paths(
        args({
          name: "Service_A",
          port: 4191,
          podSelector: {},
          callers: [
            { namespace: "apps", serviceAccount: "Bad SA" },
            { platform: "loadBalancer", cidrs: ["0.0.0.0/0"] },
          ],
          podNetworkCidrs: ["10.0.0.0/33"],
          probePaths: ["/metrics"],
        }),
      ),
      [
        "name",
        "port",
        "podSelector",
        "callers[0].serviceAccount",
        "callers[1].cidrs[0]",
        "podNetworkCidrs[0]",
        "probePaths[0]",
      ],
    );
  });

  it("accepts a service no one calls (a queue consumer): its API route then admits nobody", () => {
    const only = args({ callers: [{ platform: "prometheus" }] });
    assert.deepEqual(validateMeshPolicyArgs(only), []);
    const kinds = (meshPolicy(only).objects as Obj[]).map((o) => `${o.kind}/${o.metadata.name}`);
    assert.ok(kinds.includes("HTTPRoute/service-a-api"), "the API route exists");
    assert.ok(
      !kinds.includes("AuthorizationPolicy/service-a-api"),
      "and nothing is authorized on it",
    );
    assert.ok(!kinds.some((k) => k.startsWith("MeshTLSAuthentication/")));
    assert.ok(kinds.includes("AuthorizationPolicy/service-a-metrics"), "Prometheus still scrapes");
  });

  it("refuses a caller listed twice", () => {
    assert.deepEqual(
      paths(
        args({
          callers: [
            { namespace: "apps", serviceAccount: "worker" },
            { namespace: "apps", serviceAccount: "worker" },
          ],
        }),
      ),
      ["callers[1]"],
    );
  });

  it("checks resilience with Linkerd's rules, naming the nested field", () => {
    const base = args().resilience!;
    const errors = validateMeshPolicyArgs(
      args({
        resilience: {
          ...base,
          service: { retries: { limit: 5, statusClasses: ["5xx"] } },
          routes: [
            {
              ...base.routes![0],
              idempotent: false,
              policy: { ...base.routes![0].policy, failureAccrual: base.service.failureAccrual },
            },
          ],
        },
      }),
    );
    assert.deepEqual(
      errors.map((e) => e.propertyPath),
      [
        // Service-wide retries on a Service not marked idempotent, and 6 x 2 attempts > 6.
        "resilience.service.retries",
        "resilience.service.retries.limit",
        "resilience.routes[0].policy.retries",
        "resilience.routes[0].policy.failureAccrual",
      ],
    );
    assert.match(errors[1].reason, /worst case is 6 mesh attempts x 2 application attempts = 12/);
    assert.throws(
      () =>
        meshPolicy(
          args({ resilience: { ...base, routes: [{ ...base.routes![0], name: "default" }] } }),
        ),
      /meshPolicy: 1 invalid argument:\n {2}- resilience\.routes\[0\]\.name:/,
    );
  });
});
