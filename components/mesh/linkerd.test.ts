import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { acmeKubernetesReleaseEnforceLinkerdCertificates } from "../../policies/rules/kubernetes/Release/enforceLinkerdCertificates";
import { checkHelmValues } from "../../tools/checks/helmValues";
import { validateManifest } from "../../tools/checks/manifests";
import {
  installMocks,
  MOCK_ACCOUNT_ID,
  MOCK_CERT_ISSUED_AT,
  PlatformMocks,
  type Capture,
  type CapturedResource,
} from "../../tools/mocks";
import { evaluateStackExport } from "../../policies/lib/runner";
import { revealSecrets, toStackExport } from "../../tools/stackExport";
import { ofType, pinnedChart, single, TEST_REGION } from "../../tools/testing";
import { type ChartPin, CHARTS } from "../lib";
import { CertManager } from "./certManager";
import {
  CONTROL_PLANE_FREE_FORM_VALUES,
  Linkerd,
  type LinkerdArgs,
  validateLinkerdArgs,
} from "./linkerd";

const SECRET_SIG = { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig };
const RELEASE = "kubernetes:helm.sh/v3:Release";
const CR = (kind: string) => `kubernetes:cert-manager.io/v1:${kind}`;

/** The release installs `pin`'s chart, at its version, from its repository. */
function assertPinned(release: CapturedResource, pin: ChartPin): void {
  const { chart, version, repositoryOpts } = release.inputs;
  assert.deepEqual({ chart, version, repositoryOpts }, pinnedChart(pin));
}

const PEM = (name: string) => `-----BEGIN CERTIFICATE-----\n${name}\n-----END CERTIFICATE-----\n`;
const PREVIOUS_ANCHOR = PEM("previous-anchor");

function args(
  provider: k8s.Provider,
  certManager: CertManager,
  overrides: Partial<LinkerdArgs> = {},
): LinkerdArgs {
  return {
    provider,
    certManager,
    highAvailability: false,
    proxyResources: { cpuRequest: "50m", memoryRequest: "32Mi", memoryLimit: "128Mi" },
    ...overrides,
  };
}

const WEBHOOKS = {
  proxyInjector: { externalSecret: true, injectCaFrom: "linkerd/linkerd-proxy-injector" },
  profileValidator: { externalSecret: true, injectCaFrom: "linkerd/linkerd-sp-validator" },
  policyValidator: { externalSecret: true, injectCaFrom: "linkerd/linkerd-policy-validator" },
};
const CONTROLLER = {
  cpu: { limit: "", request: "100m" },
  memory: { limit: "250Mi", request: "50Mi" },
};

const TRACING = {
  collectorEndpoint: "otel-collector-opentelemetry-collector.tracing.svc:4317",
  collectorServiceAccount: "otel-collector",
  collectorNamespace: "tracing",
};

describe("Linkerd", () => {
  let capture: Capture;
  let devUrn: string;
  let provider: k8s.Provider;
  let certManager: CertManager;

  before(async () => {
    capture = await installMocks(
      new PlatformMocks({ accountId: MOCK_ACCOUNT_ID, region: TEST_REGION }),
      "acme-platform",
      "test",
    );
    provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    certManager = new CertManager("cm", { provider, highAvailability: false });
    const dev = new Linkerd("dev", args(provider, certManager));
    new Linkerd(
      "prod",
      args(provider, certManager, {
        highAvailability: true,
        proxyResources: { cpuRequest: "100m", memoryRequest: "64Mi", memoryLimit: "256Mi" },
        trustAnchorValidityHours: 43_800,
        issuerValidity: { durationHours: 72, renewBeforeHours: 30 },
        additionalTrustAnchorsPem: [PREVIOUS_ANCHOR],
        tracing: TRACING,
      }),
    );
    await capture.settle();
    devUrn = await new Promise<string>((resolve) => dev.urn.apply(resolve));
  });

  const named = (type: string, name: string) => single(capture, type, name);
  const spec = (r: CapturedResource) => r.inputs.spec as Record<string, unknown>;
  const metadata = (r: CapturedResource) => r.inputs.metadata as Record<string, unknown>;
  /** The PEM the (mocked) TLS provider returned for a certificate resource. */
  const certPem = (name: string) =>
    String(named("tls:index/selfSignedCert:SelfSignedCert", name).outputs.certPem);

  it("registers exactly the expected children under the component", () => {
    const children = [...capture.resources.values()].filter((r) => r.parent === devUrn);
    assert.deepEqual(children.map((r) => `${r.type}::${r.name}`).sort(), [
      `${CR("Certificate")}::dev-identity-issuer`,
      `${CR("Certificate")}::dev-viz-webhook-ca`,
      `${CR("Certificate")}::dev-viz-webhook-linkerd-tap-injector`,
      `${CR("Certificate")}::dev-viz-webhook-tap`,
      `${CR("Certificate")}::dev-webhook-ca`,
      `${CR("Certificate")}::dev-webhook-linkerd-policy-validator`,
      `${CR("Certificate")}::dev-webhook-linkerd-proxy-injector`,
      `${CR("Certificate")}::dev-webhook-linkerd-sp-validator`,
      `${CR("Issuer")}::dev-trust-anchor-issuer`,
      `${CR("Issuer")}::dev-viz-webhook-issuer`,
      `${CR("Issuer")}::dev-viz-webhook-selfsigned`,
      `${CR("Issuer")}::dev-webhook-issuer`,
      `${CR("Issuer")}::dev-webhook-selfsigned`,
      "kubernetes:core/v1:ConfigMap::dev-trust-roots",
      "kubernetes:core/v1:Namespace::dev-namespace",
      "kubernetes:core/v1:Namespace::dev-viz-namespace",
      "kubernetes:core/v1:Secret::dev-trust-anchor",
      `${RELEASE}::dev-control-plane`,
      `${RELEASE}::dev-crds`,
      `${RELEASE}::dev-viz`,
      "tls:index/privateKey:PrivateKey::dev-trust-anchor",
      "tls:index/selfSignedCert:SelfSignedCert::dev-trust-anchor",
    ]);
    const [k8sProvider] = ofType(capture, "pulumi:providers:kubernetes");
    for (const child of children.filter((c) => c.type.startsWith("kubernetes:"))) {
      assert.equal(child.provider, `${k8sProvider.urn}::${k8sProvider.id}`, child.name);
    }
  });

  it("makes a long-lived ECDSA P-256 trust anchor that may sign issuers", () => {
    const key = named("tls:index/privateKey:PrivateKey", "dev-trust-anchor");
    assert.deepEqual(key.inputs, { algorithm: "ECDSA", ecdsaCurve: "P256" });
    const cert = named("tls:index/selfSignedCert:SelfSignedCert", "dev-trust-anchor");
    assert.deepEqual(
      { ...cert.inputs, privateKeyPem: undefined },
      {
        privateKeyPem: undefined,
        isCaCertificate: true,
        setSubjectKeyId: true,
        validityPeriodHours: 87_600,
        allowedUses: ["cert_signing", "crl_signing", "server_auth", "client_auth"],
        subject: { commonName: "root.linkerd.cluster.local" },
      },
    );
    assert.ok(cert.dependencies.includes(key.urn));
    assert.equal(
      named("tls:index/selfSignedCert:SelfSignedCert", "prod-trust-anchor").inputs
        .validityPeriodHours,
      43_800,
    );
  });

  it("stores the anchor in a TLS Secret whose private key is a Pulumi secret", () => {
    const secret = named("kubernetes:core/v1:Secret", "dev-trust-anchor");
    assert.deepEqual(metadata(secret), { name: "linkerd-trust-anchor", namespace: "linkerd" });
    assert.equal(secret.inputs.type, "kubernetes.io/tls");
    // The SDK marks all of stringData secret; the key inside it is the anchor's private key.
    assert.deepEqual(secret.inputs.stringData, {
      ...SECRET_SIG,
      value: {
        "tls.crt": certPem("dev-trust-anchor"),
        "tls.key": named("tls:index/privateKey:PrivateKey", "dev-trust-anchor").outputs
          .privateKeyPem,
      },
    });
  });

  it("has cert-manager issue the identity issuer from an Issuer that uses the anchor Secret", () => {
    const secret = named("kubernetes:core/v1:Secret", "dev-trust-anchor");
    const issuer = named(CR("Issuer"), "dev-trust-anchor-issuer");
    assert.deepEqual(metadata(issuer), { name: "linkerd-trust-anchor", namespace: "linkerd" });
    assert.deepEqual(spec(issuer), { ca: { secretName: metadata(secret).name } });
    const certificate = named(CR("Certificate"), "dev-identity-issuer");
    assert.deepEqual(metadata(certificate), {
      name: "linkerd-identity-issuer",
      namespace: "linkerd",
      annotations: { "pulumi.com/waitFor": "condition=Ready" },
    });
    assert.deepEqual(spec(certificate), {
      secretName: "linkerd-identity-issuer",
      isCA: true,
      commonName: "identity.linkerd.cluster.local",
      dnsNames: ["identity.linkerd.cluster.local"],
      duration: "48h0m0s",
      renewBefore: "25h0m0s",
      privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
      usages: ["cert sign", "crl sign", "server auth", "client auth"],
      issuerRef: { group: "cert-manager.io", kind: "Issuer", name: metadata(issuer).name },
    });
    assert.ok(issuer.dependencies.includes(secret.urn), "the Issuer waits for its Secret");
    assert.ok(
      certificate.dependencies.includes(issuer.urn),
      "the Certificate waits for its Issuer",
    );
    const certManagerRelease = named(RELEASE, "cm-release");
    for (const r of [issuer, certificate]) {
      assert.ok(
        r.dependencies.includes(certManagerRelease.urn),
        `${r.name} waits for cert-manager`,
      );
    }
    const prod = spec(named(CR("Certificate"), "prod-identity-issuer"));
    assert.deepEqual([prod.duration, prod.renewBefore], ["72h0m0s", "30h0m0s"]);
  });

  it("writes the trust bundle Linkerd reads with identity.externalCA, keeping extra anchors for rotation", () => {
    const roots = named("kubernetes:core/v1:ConfigMap", "dev-trust-roots");
    assert.deepEqual(metadata(roots), {
      name: "linkerd-identity-trust-roots",
      namespace: "linkerd",
      labels: {
        "linkerd.io/control-plane-component": "identity",
        "linkerd.io/control-plane-ns": "linkerd",
      },
    });
    assert.deepEqual(roots.inputs.data, { "ca-bundle.crt": certPem("dev-trust-anchor") });
    assert.deepEqual(named("kubernetes:core/v1:ConfigMap", "prod-trust-roots").inputs.data, {
      "ca-bundle.crt": certPem("prod-trust-anchor") + PREVIOUS_ANCHOR,
    });
  });

  it("issues every webhook certificate from a per-namespace cert-manager CA, injected by name", () => {
    const expected: Array<[string, string, string, string]> = [
      [
        "dev-webhook-linkerd-proxy-injector",
        "linkerd",
        "linkerd-proxy-injector-k8s-tls",
        "linkerd-proxy-injector.linkerd.svc",
      ],
      [
        "dev-webhook-linkerd-sp-validator",
        "linkerd",
        "linkerd-sp-validator-k8s-tls",
        "linkerd-sp-validator.linkerd.svc",
      ],
      [
        "dev-webhook-linkerd-policy-validator",
        "linkerd",
        "linkerd-policy-validator-k8s-tls",
        "linkerd-policy-validator.linkerd.svc",
      ],
      ["dev-viz-webhook-tap", "linkerd-viz", "tap-k8s-tls", "tap.linkerd-viz.svc"],
      [
        "dev-viz-webhook-linkerd-tap-injector",
        "linkerd-viz",
        "tap-injector-k8s-tls",
        "tap-injector.linkerd-viz.svc",
      ],
    ];
    for (const [name, namespace, secretName, host] of expected) {
      const cert = named(CR("Certificate"), name);
      assert.equal(metadata(cert).namespace, namespace);
      assert.deepEqual(spec(cert), {
        secretName,
        commonName: host,
        dnsNames: [host],
        isCA: false,
        duration: "24h0m0s",
        renewBefore: "1h0m0s",
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always", encoding: "PKCS8" },
        usages: ["server auth"],
        issuerRef: { group: "cert-manager.io", kind: "Issuer", name: "linkerd-webhook-issuer" },
      });
    }
    for (const prefix of ["dev-webhook", "dev-viz-webhook"]) {
      const selfSigned = named(CR("Issuer"), `${prefix}-selfsigned`);
      const ca = named(CR("Certificate"), `${prefix}-ca`);
      const caIssuer = named(CR("Issuer"), `${prefix}-issuer`);
      assert.deepEqual(spec(selfSigned), { selfSigned: {} });
      assert.equal(metadata(selfSigned).name, "linkerd-webhook-selfsigned");
      assert.deepEqual(spec(ca), {
        secretName: "linkerd-webhook-ca",
        isCA: true,
        commonName: `webhook.${String(metadata(ca).namespace)}.cluster.local`,
        duration: "8760h0m0s",
        renewBefore: "720h0m0s",
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        issuerRef: { group: "cert-manager.io", kind: "Issuer", name: "linkerd-webhook-selfsigned" },
      });
      assert.deepEqual(spec(caIssuer), { ca: { secretName: "linkerd-webhook-ca" } });
      assert.equal(metadata(caIssuer).name, "linkerd-webhook-issuer");
    }
  });

  it("sets exactly the dev control-plane values: project certificates, proxy resources, no HA", () => {
    const release = named(RELEASE, "dev-control-plane");
    assertPinned(release, CHARTS.linkerdControlPlane);
    assert.equal(release.inputs.namespace, "linkerd");
    assert.deepEqual(release.inputs.values, {
      identityTrustAnchorsPEM: certPem("dev-trust-anchor"),
      identity: { externalCA: true, issuer: { scheme: "kubernetes.io/tls" } },
      proxy: {
        resources: { cpu: { request: "50m" }, memory: { request: "32Mi", limit: "128Mi" } },
      },
      ...WEBHOOKS,
      disableHeartBeat: true,
    });
  });

  it("sets exactly the prod control-plane values: values-ha.yaml, the stack's proxy resources, span export", () => {
    assert.deepEqual(named(RELEASE, "prod-control-plane").inputs.values, {
      identityTrustAnchorsPEM: certPem("prod-trust-anchor") + PREVIOUS_ANCHOR,
      identity: { externalCA: true, issuer: { scheme: "kubernetes.io/tls" } },
      proxy: {
        resources: { cpu: { request: "100m" }, memory: { request: "64Mi", limit: "256Mi" } },
        // Proxies export over the mesh and verify the collector's identity.
        tracing: {
          enabled: true,
          collector: {
            endpoint: "otel-collector-opentelemetry-collector.tracing.svc:4317",
            meshIdentity: { serviceAccountName: "otel-collector", namespace: "tracing" },
          },
        },
      },
      ...WEBHOOKS,
      disableHeartBeat: true,
      controllerReplicas: 3,
      enablePodDisruptionBudget: true,
      // The HA budget and the controllers' span export share the `controller` key.
      controller: {
        podDisruptionBudget: { maxUnavailable: 1 },
        tracing: {
          enabled: true,
          collector: { endpoint: "otel-collector-opentelemetry-collector.tracing.svc:4317" },
        },
      },
      deploymentStrategy: { rollingUpdate: { maxUnavailable: 1, maxSurge: "25%" } },
      enablePodAntiAffinity: true,
      webhookFailurePolicy: "Fail",
      destinationResources: CONTROLLER,
      identityResources: {
        cpu: { limit: "", request: "100m" },
        memory: { limit: "250Mi", request: "10Mi" },
      },
      proxyInjectorResources: CONTROLLER,
      spValidatorResources: CONTROLLER,
    });
  });

  it("sets exactly the CRD and viz values, HA only in prod", () => {
    assert.deepEqual(named(RELEASE, "dev-crds").inputs.values, { installGatewayAPI: false });
    assertPinned(named(RELEASE, "dev-crds"), CHARTS.linkerdCrds);
    const vizWebhooks = {
      tap: { externalSecret: true, injectCaFrom: "linkerd-viz/tap" },
      tapInjector: { externalSecret: true, injectCaFrom: "linkerd-viz/linkerd-tap-injector" },
    };
    const dev = named(RELEASE, "dev-viz");
    assertPinned(dev, CHARTS.linkerdViz);
    assert.equal(dev.inputs.namespace, "linkerd-viz");
    assert.deepEqual(dev.inputs.values, { ...vizWebhooks, createNamespaceMetadataJob: false });
    const ha = { cpu: { limit: "", request: "100m" }, memory: { limit: "250Mi", request: "50Mi" } };
    assert.deepEqual(named(RELEASE, "prod-viz").inputs.values, {
      ...vizWebhooks,
      createNamespaceMetadataJob: false,
      enablePodAntiAffinity: true,
      enablePodDisruptionBudget: true,
      tap: { ...vizWebhooks.tap, replicas: 3, resources: ha },
      dashboard: { resources: ha },
      prometheus: {
        resources: {
          cpu: { limit: "", request: "300m" },
          memory: { limit: "8192Mi", request: "300Mi" },
        },
      },
    });
  });

  it("installs CRDs, then the control plane once its certificates exist, then viz", () => {
    const crds = named(RELEASE, "dev-crds");
    const controlPlane = named(RELEASE, "dev-control-plane");
    const viz = named(RELEASE, "dev-viz");
    const needs = [
      crds,
      named(CR("Certificate"), "dev-identity-issuer"),
      named("kubernetes:core/v1:ConfigMap", "dev-trust-roots"),
      named(CR("Certificate"), "dev-webhook-linkerd-proxy-injector"),
      named(CR("Certificate"), "dev-webhook-linkerd-sp-validator"),
      named(CR("Certificate"), "dev-webhook-linkerd-policy-validator"),
      named(RELEASE, "cm-release"),
    ];
    for (const r of needs) assert.ok(controlPlane.dependencies.includes(r.urn), r.name);
    for (const r of [controlPlane, named(CR("Certificate"), "dev-viz-webhook-tap")]) {
      assert.ok(viz.dependencies.includes(r.urn), r.name);
    }
    assert.ok(
      crds.dependencies.includes(named("kubernetes:core/v1:Namespace", "dev-namespace").urn),
    );
  });

  it("creates the namespaces with the metadata the charts expect", () => {
    assert.deepEqual(metadata(named("kubernetes:core/v1:Namespace", "dev-namespace")), {
      name: "linkerd",
      labels: {
        "linkerd.io/is-control-plane": "true",
        "config.linkerd.io/admission-webhooks": "disabled",
        "linkerd.io/control-plane-ns": "linkerd",
        "pod-security.kubernetes.io/enforce": "privileged",
      },
      annotations: { "linkerd.io/inject": "disabled" },
    });
    assert.deepEqual(metadata(named("kubernetes:core/v1:Namespace", "dev-viz-namespace")), {
      name: "linkerd-viz",
      labels: { "linkerd.io/extension": "viz", "pod-security.kubernetes.io/enforce": "privileged" },
    });
  });

  it("uses only value keys the pinned charts have", () => {
    const releases = ofType(capture, RELEASE).filter((r) => r.name !== "cm-release");
    assert.equal(releases.length, 6);
    for (const r of releases) {
      assert.deepEqual(
        checkHelmValues(
          String(r.inputs.chart),
          String(r.inputs.version),
          r.inputs.values as Record<string, unknown>,
          r.inputs.chart === "linkerd-control-plane" ? CONTROL_PLANE_FREE_FORM_VALUES : [],
        ),
        [],
        r.name,
      );
    }
  });

  it("renders custom resources and core objects that validate against their schemas", () => {
    const objects = [...capture.resources.values()].filter(
      (r) => r.type.startsWith("kubernetes:") && r.type !== RELEASE,
    );
    assert.equal(objects.length, 2 * 17 + 1, "17 per Linkerd, 1 namespace of cert-manager");
    for (const o of objects) {
      assert.deepEqual(
        validateManifest(revealSecrets(o.inputs) as Record<string, unknown>),
        [],
        o.name,
      );
    }
  });

  it("passes the policy pack's certificate rule on both layouts", async () => {
    const result = await evaluateStackExport(
      toStackExport([...capture.resources.values()], "3.248.0"),
      { policies: [acmeKubernetesReleaseEnforceLinkerdCertificates] },
    );
    assert.deepEqual(result.violations, []);
    assert.deepEqual(result.undecidable, []);
    assert.deepEqual(
      result.notApplicable.map((n) => n.urn.split("::").pop()).sort(),
      ["cm-release", "dev-crds", "prod-crds"],
      "every control-plane and viz release was checked",
    );
  });

  it("exports the anchor, its expiry for alerting and the issuer certificate's name and lifetime", () => {
    const component = [...capture.resources.values()].find((r) => r.urn === devUrn);
    const cert = named("tls:index/selfSignedCert:SelfSignedCert", "dev-trust-anchor");
    // The default ten years (87600h) from the mocked issue time.
    assert.equal(
      cert.outputs.validityEndTime,
      new Date(MOCK_CERT_ISSUED_AT + 87_600 * 3_600_000).toISOString(),
    );
    assert.deepEqual(component?.outputs, {
      trustAnchorPem: certPem("dev-trust-anchor"),
      trustAnchorNotAfter: cert.outputs.validityEndTime,
      identityIssuerCertificateName: "linkerd-identity-issuer",
      identityIssuerValidity: { duration: "48h0m0s", renewBefore: "25h0m0s" },
      namespaceName: "linkerd",
    });
  });

  it("rejects bad arguments with every problem named and registers nothing", async () => {
    const bad = args(provider, certManager, {
      proxyResources: { cpuRequest: "fast", memoryRequest: "256Mi", memoryLimit: "128Mi" },
      trustAnchorValidityHours: 720,
      issuerValidity: { durationHours: 24, renewBeforeHours: 12 },
    });
    assert.deepEqual(
      validateLinkerdArgs(bad).map((e) => [e.propertyPath, e.reason]),
      [
        [
          "proxyResources.cpuRequest",
          '"fast" is not a CPU quantity; use millicores such as "100m"',
        ],
        ["proxyResources.memoryLimit", "128Mi is below the request 256Mi"],
        [
          "trustAnchorValidityHours",
          "must be whole hours, at least 8760 (a year): rotating the anchor restarts the whole mesh (got 720)",
        ],
        [
          "issuerValidity.renewBeforeHours",
          "must be whole hours above the 24h workload certificate lifetime, so certificates signed by an issuer expire before it does (got 12)",
        ],
      ],
    );
    assert.deepEqual(
      validateLinkerdArgs(
        args(provider, certManager, {
          issuerValidity: { durationHours: 30, renewBeforeHours: 30 },
        }),
      ).map((e) => e.propertyPath),
      ["issuerValidity.renewBeforeHours"],
    );
    assert.deepEqual(
      validateLinkerdArgs(
        args(provider, certManager, {
          trustAnchorValidityHours: 8760,
          issuerValidity: { durationHours: 8760, renewBeforeHours: 48 },
        }),
      ).map((e) => e.propertyPath),
      ["issuerValidity.durationHours"],
    );
    assert.deepEqual(
      validateLinkerdArgs(
        args(provider, certManager, {
          tracing: {
            collectorEndpoint: "http://collector.tracing.svc:4317",
            collectorServiceAccount: "Collector",
            collectorNamespace: "tracing",
          },
        }),
      ).map((e) => [e.propertyPath, e.reason]),
      [
        [
          "tracing.collectorEndpoint",
          'must be host:port without a scheme, such as "collector.tracing.svc:4317" (got "http://collector.tracing.svc:4317")',
        ],
        [
          "tracing.collectorServiceAccount",
          'must be a Kubernetes name (lower-case letters, digits, "-"); got "Collector"',
        ],
      ],
    );
    assert.deepEqual(
      validateLinkerdArgs(
        args(provider, certManager, {
          tracing: { ...TRACING, collectorEndpoint: "collector.tracing.svc" },
        }),
      ).map((e) => e.propertyPath),
      ["tracing.collectorEndpoint"],
    );
    const before = capture.resources.size;
    assert.throws(
      () => new Linkerd("bad", bad),
      (e: Error) =>
        pulumi.InputPropertiesError.isInstance(e) && /Linkerd: 4 invalid arguments/.test(e.message),
    );
    await capture.settle();
    assert.equal(capture.resources.size, before);
  });
});
