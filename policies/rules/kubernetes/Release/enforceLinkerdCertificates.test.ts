import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  linkerdControlPlaneRelease,
  linkerdVizRelease,
  type ReleaseProps,
  TRUST_ANCHOR_PEM,
} from "../../../fixtures/mesh";
import { evaluateProps, fakePem, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeKubernetesReleaseEnforceLinkerdCertificates as policy } from "./enforceLinkerdCertificates";

/** The control-plane fixture with some values replaced. */
function controlPlane(values: Record<string, unknown>): ReleaseProps {
  const release = linkerdControlPlaneRelease();
  return { ...release, values: { ...release.values, ...values } };
}

const webhookMessage = (key: string) =>
  `values.${key} leaves the serving certificate to the chart (generated for 365 days, renewed ` +
  `only by an upgrade); set ${key}.externalSecret to true with ${key}.injectCaFrom naming a ` +
  "cert-manager Certificate, or give crtPEM, keyPEM and caBundle.";

describe(policy.name, () => {
  test("passes the control plane and viz as components/mesh renders them", async () => {
    assert.deepEqual(await violationMessages(policy, linkerdControlPlaneRelease()), []);
    assert.deepEqual(await violationMessages(policy, linkerdVizRelease()), []);
  });

  test("reports a control plane without the project's trust anchor", async () => {
    const release = linkerdControlPlaneRelease();
    delete release.values.identityTrustAnchorsPEM;
    assert.deepEqual(await violationMessages(policy, release), [
      "values.identityTrustAnchorsPEM is not set; set it to the project's trust anchor " +
        "certificate (PEM) so proxies trust only the project's root.",
    ]);
  });

  test("reports a trust anchor that is not a PEM certificate", async () => {
    assert.deepEqual(
      await violationMessages(policy, controlPlane({ identityTrustAnchorsPEM: "" })),
      [
        'values.identityTrustAnchorsPEM is ""; set it to the project\'s trust anchor ' +
          "certificate (PEM) so proxies trust only the project's root.",
      ],
    );
  });

  test("reports the chart's default issuer scheme without an issuer certificate", async () => {
    assert.deepEqual(
      await violationMessages(policy, controlPlane({ identity: { externalCA: true, issuer: {} } })),
      [
        "values.identity.issuer.scheme is not set and no issuer certificate and key are given; " +
          'set the scheme to "kubernetes.io/tls" to read the issuer that cert-manager issues from ' +
          "the project's anchor, or give tls.crtPEM and tls.keyPEM.",
      ],
    );
  });

  test("passes an explicit issuer certificate and key from the project", async () => {
    const identity = {
      issuer: {
        scheme: "linkerd.io/tls",
        tls: {
          crtPEM: TRUST_ANCHOR_PEM,
          keyPEM: fakePem("EC PRIVATE KEY", "x").trimEnd(),
        },
      },
    };
    assert.deepEqual(await violationMessages(policy, controlPlane({ identity })), []);
  });

  test("reports a webhook left to the chart's generated certificate", async () => {
    assert.deepEqual(
      await violationMessages(policy, controlPlane({ proxyInjector: { externalSecret: false } })),
      [webhookMessage("proxyInjector")],
    );
  });

  test("reports an external webhook secret with no CA bundle source", async () => {
    assert.deepEqual(
      await violationMessages(policy, controlPlane({ policyValidator: { externalSecret: true } })),
      [webhookMessage("policyValidator")],
    );
  });

  test("reports viz's tap injector left to the chart", async () => {
    const release = linkerdVizRelease();
    delete release.values.tapInjector;
    assert.deepEqual(await violationMessages(policy, release), [webhookMessage("tapInjector")]);
  });

  test("recognises the chart through a repository prefix or a packaged chart URL", async () => {
    for (const chart of [
      "linkerd/linkerd-control-plane",
      "https://helm.linkerd.io/edge/linkerd-control-plane-2026.8.3.tgz",
    ]) {
      assert.deepEqual(
        await violationMessages(policy, {
          ...controlPlane({ identityTrustAnchorsPEM: "" }),
          chart,
        }),
        [
          'values.identityTrustAnchorsPEM is ""; set it to the project\'s trust anchor ' +
            "certificate (PEM) so proxies trust only the project's root.",
        ],
        chart,
      );
    }
  });

  test("skips releases of other charts", async () => {
    const result = await evaluateProps(policy, { ...linkerdVizRelease(), chart: "cert-manager" });
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.notApplicable.map((n) => n.reason),
      ["Only linkerd-control-plane and linkerd-viz releases are checked."],
    );
  });

  test("leaves an unknown trust anchor undecided instead of reporting it", async () => {
    const result = await evaluateProps(
      policy,
      controlPlane({ identityTrustAnchorsPEM: unknownValue<string>("string") }),
    );
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["string value at .values.identityTrustAnchorsPEM can't be known during preview"],
    );
  });
});
