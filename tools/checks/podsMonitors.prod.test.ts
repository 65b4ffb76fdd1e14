/**
 * The pods and monitors checks over the real program for prod, as the plan runs them. Today they
 * report exactly issue #9's findings 1 (YACE) and 8 (the Linkerd control-plane PodMonitor); when
 * those are fixed, EXPECTED_PROD_ERRORS becomes empty.
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MOCK_ACCOUNT_ID } from "../mocks";
import { runProgram } from "../plan";
import { runCrossChecks } from "./crossResource";
import { monitorsCheck } from "./monitors";
import { podsCheck } from "./pods";

const MONITORING = "urn:pulumi:prod::acme-platform::acme:observability:Monitoring";

/** Every error the two checks report for prod, in the order they report them. */
const EXPECTED_PROD_ERRORS: string[] = [
  // Finding 1: YACE's container sets runAsNonRoot without runAsUser; its image's USER is a name.
  `[pods] ${MONITORING}$kubernetes:helm.sh/v3:Release::platform-yace: prometheus-yet-another-cloudwatch-exporter 0.47.0 values podSecurityContext + securityContext (rendered by charts/prometheus-yet-another-cloudwatch-exporter/templates/deployment.yaml): runAsNonRoot is true but no runAsUser is set (container or pod level): the kubelet then refuses an image whose USER is a name; set runAsUser to the image's numeric uid (the image's USER is "nobody", a name)`,
  // Finding 8: linkerd edge-26.8.3 names the control plane's admin ports <component>-admin.
  `[monitors] ${MONITORING}$kubernetes:monitoring.coreos.com/v1:PodMonitor::platform-linkerd-control-plane: PodMonitor monitoring/linkerd-control-plane podMetricsEndpoints[0] scrapes port "admin-http", which no selected pod declares (linkerd-destination (linkerd-control-plane 2026.8.3 charts/linkerd-control-plane/templates/destination.yaml): dest-grpc, dest-admin, sp-validator, spval-admin, policy-grpc, policy-admin, policy-https, linkerd-proxy, linkerd-admin; linkerd-identity (linkerd-control-plane 2026.8.3 charts/linkerd-control-plane/templates/identity.yaml): ident-grpc, ident-admin, linkerd-proxy, linkerd-admin; linkerd-proxy-injector (linkerd-control-plane 2026.8.3 charts/linkerd-control-plane/templates/proxy-injector.yaml): proxy-injector, injector-admin, linkerd-proxy, linkerd-admin)`,
];

describe("pods and monitors over the prod program", () => {
  it("report exactly the known findings", async () => {
    const run = await runProgram({ stack: "prod" });
    const report = runCrossChecks(
      run.checkable,
      { accountId: MOCK_ACCOUNT_ID, partition: "aws", region: run.config.region },
      [podsCheck, monitorsCheck],
    );
    assert.deepEqual(report.errors, EXPECTED_PROD_ERRORS);
    // Both looked at something: every pod template and every monitor of prod.
    const counted = Object.fromEntries(report.results.map((r) => [r.name, r.checked]));
    assert.deepEqual(counted, { pods: 13, monitors: 5 });
  });
});
