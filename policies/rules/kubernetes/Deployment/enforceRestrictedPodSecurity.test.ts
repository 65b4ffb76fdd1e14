import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { deployment, restrictedContainer } from "../../../fixtures/workloads";
import { evaluateProps, unknownValue, violationMessages } from "../../../lib/testing";
import { acmeKubernetesDeploymentEnforceRestrictedPodSecurity as policy } from "./enforceRestrictedPodSecurity";

const APP = 'spec.template.spec.containers[0] ("service-a")';

describe(policy.name, () => {
  test("passes a restricted pod template", async () => {
    assert.deepEqual(await violationMessages(policy, deployment()), []);
  });

  test("passes settings made on the container instead of the pod", async () => {
    const d = deployment();
    d.spec.template.spec.securityContext = {};
    d.spec.template.spec.containers[0].securityContext = {
      ...d.spec.template.spec.containers[0].securityContext,
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    };
    assert.deepEqual(await violationMessages(policy, d), []);
  });

  test("reports a pod that may run as root", async () => {
    const d = deployment();
    d.spec.template.spec.securityContext = { seccompProfile: { type: "RuntimeDefault" } };
    assert.deepEqual(await violationMessages(policy, d), [
      `${APP}: runAsNonRoot (container or pod securityContext) is not set; set ` +
        "securityContext.runAsNonRoot to true so the kubelet refuses to start it as root.",
    ]);
  });

  test("reports a container that overrides the pod with runAsNonRoot false and UID 0", async () => {
    const d = deployment();
    const container = d.spec.template.spec.containers[0];
    container.securityContext = { ...container.securityContext, runAsNonRoot: false, runAsUser: 0 };
    assert.deepEqual(await violationMessages(policy, d), [
      `${APP}: runAsNonRoot (container or pod securityContext) is false; set ` +
        "securityContext.runAsNonRoot to true so the kubelet refuses to start it as root.",
      `${APP}: runAsUser (container or pod securityContext) is 0; run as a non-zero UID.`,
    ]);
  });

  test("reports privilege escalation allowed", async () => {
    const d = deployment();
    const container = d.spec.template.spec.containers[0];
    container.securityContext = { ...container.securityContext, allowPrivilegeEscalation: true };
    assert.deepEqual(await violationMessages(policy, d), [
      `${APP}: securityContext.allowPrivilegeEscalation is true; set it to false.`,
    ]);
  });

  test("reports a privileged container", async () => {
    const d = deployment();
    const container = d.spec.template.spec.containers[0];
    container.securityContext = { ...container.securityContext, privileged: true };
    assert.deepEqual(await violationMessages(policy, d), [
      `${APP}: securityContext.privileged is true; remove it or set it to false.`,
    ]);
  });

  test("reports capabilities not dropped, and added beyond NET_BIND_SERVICE", async () => {
    const d = deployment();
    const container = d.spec.template.spec.containers[0];
    container.securityContext = {
      ...container.securityContext,
      capabilities: { drop: ["NET_RAW"], add: ["NET_BIND_SERVICE", "SYS_ADMIN"] },
    };
    assert.deepEqual(await violationMessages(policy, d), [
      `${APP}: securityContext.capabilities.drop is ["NET_RAW"]; set it to ["ALL"].`,
      `${APP}: securityContext.capabilities.add is ["NET_BIND_SERVICE","SYS_ADMIN"]; add back ` +
        "NET_BIND_SERVICE at most.",
    ]);
  });

  test("reports a pod without a seccomp profile, and an Unconfined one", async () => {
    const fix = 'set the pod\'s securityContext.seccompProfile to { type: "RuntimeDefault" }.';
    const d = deployment();
    d.spec.template.spec.securityContext = { runAsNonRoot: true };
    assert.deepEqual(await violationMessages(policy, d), [
      `${APP}: seccompProfile.type (container or pod securityContext) is not set; ${fix}`,
    ]);
    const container = d.spec.template.spec.containers[0];
    container.securityContext = {
      ...container.securityContext,
      seccompProfile: { type: "Unconfined" },
    };
    assert.deepEqual(await violationMessages(policy, d), [
      `${APP}: seccompProfile.type (container or pod securityContext) is "Unconfined"; ${fix}`,
    ]);
  });

  test("reports a writable root filesystem", async () => {
    const d = deployment();
    const container = d.spec.template.spec.containers[0];
    container.securityContext = { ...container.securityContext, readOnlyRootFilesystem: false };
    assert.deepEqual(await violationMessages(policy, d), [
      `${APP}: securityContext.readOnlyRootFilesystem is false; set it to true and mount an ` +
        "emptyDir where the process must write.",
    ]);
  });

  test("checks init containers too", async () => {
    const d = deployment();
    d.spec.template.spec.initContainers = [
      { ...restrictedContainer("migrate"), securityContext: {} },
    ];
    const where = 'spec.template.spec.initContainers[0] ("migrate")';
    assert.deepEqual(await violationMessages(policy, d), [
      `${where}: securityContext.allowPrivilegeEscalation is not set; set it to false.`,
      `${where}: securityContext.capabilities.drop is not set; set it to ["ALL"].`,
      `${where}: securityContext.readOnlyRootFilesystem is not set; set it to true and mount an ` +
        "emptyDir where the process must write.",
    ]);
  });

  test("leaves a securityContext not known yet undecided", async () => {
    const d = deployment();
    d.spec.template.spec.containers[0].securityContext = unknownValue<object>("object");
    const result = await evaluateProps(policy, d);
    assert.deepEqual(result.violations, []);
    assert.equal(result.undecidable.length, 1);
  });
});
