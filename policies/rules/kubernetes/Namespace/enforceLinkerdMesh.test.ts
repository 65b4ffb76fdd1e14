import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { appNamespace } from "../../../fixtures/mesh";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeKubernetesNamespaceEnforceLinkerdMesh as policy } from "./enforceLinkerdMesh";

const INJECT_MESSAGE = (value: string) =>
  `metadata.annotations["linkerd.io/inject"] is ${value}; set it to "enabled" so every pod of ` +
  "the application namespace gets a Linkerd proxy.";
const DENY_MESSAGE = (value: string) =>
  `metadata.annotations["config.linkerd.io/default-inbound-policy"] is ${value}; set it to ` +
  '"deny" so only identities an AuthorizationPolicy allows reach its pods.';

describe(policy.name, () => {
  test("passes a meshed, default-deny application namespace", async () => {
    assert.deepEqual(await violationMessages(policy, appNamespace()), []);
  });

  test("reports injection disabled", async () => {
    const ns = appNamespace();
    ns.metadata.annotations["linkerd.io/inject"] = "disabled";
    assert.deepEqual(await violationMessages(policy, ns), [INJECT_MESSAGE('"disabled"')]);
  });

  test("reports a namespace without the inject annotation", async () => {
    const ns = appNamespace();
    delete ns.metadata.annotations["linkerd.io/inject"];
    assert.deepEqual(await violationMessages(policy, ns), [INJECT_MESSAGE("not set")]);
  });

  test("reports an inbound policy that lets unauthorized clients in", async () => {
    const ns = appNamespace();
    ns.metadata.annotations["config.linkerd.io/default-inbound-policy"] = "all-unauthenticated";
    assert.deepEqual(await violationMessages(policy, ns), [DENY_MESSAGE('"all-unauthenticated"')]);
  });

  test("reports both when the namespace has no annotations", async () => {
    const ns = appNamespace();
    assert.deepEqual(
      await violationMessages(policy, { metadata: { name: "orders", labels: ns.metadata.labels } }),
      [INJECT_MESSAGE("not set"), DENY_MESSAGE("not set")],
    );
  });

  test("skips namespaces that are not application namespaces", async () => {
    const result = await evaluateProps(policy, {
      metadata: { name: "linkerd", annotations: { "linkerd.io/inject": "disabled" } },
    });
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.notApplicable.map((n) => n.reason),
      ["Only namespaces labelled acme.io/app-namespace=true are checked."],
    );
  });

  test("leaves unknown annotations undecided instead of reporting them", async () => {
    const ns = appNamespace();
    const result = await evaluateProps(policy, {
      metadata: { ...ns.metadata, annotations: unknownValue<object>("object") },
    });
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.message),
      ["Object value at .metadata.annotations can't be known during preview"],
    );
  });
});
