/**
 * The chart versions whose templates the reviewed tables were read at
 * (`chartPodSecurity.ts`: where values land in a securityContext; `chartMonitorTargets.ts`: the
 * labels and ports of chart-made pods). This is not the pin: the pin is what the graph installs
 * (`CHARTS` in components/lib/charts.ts), this is what a person has read. The pods and monitors
 * checks fail for a release of any other version, and `chartReviews.test.ts` fails as soon as a pin
 * moves away from its review, naming the tables to read again.
 */
import { CHARTS, type ChartKey } from "../../components/lib/charts";

/** The version each reviewed chart's templates were read at. */
export const REVIEWED_AT = {
  kubePrometheusStack: "88.5.3",
  yace: "0.47.0",
  otelCollector: "0.170.0",
  jaeger: "4.11.1",
  eckOperator: "3.5.0",
  fluentBit: "0.58.1",
  certManager: "v1.21.1",
  linkerdCrds: "2026.8.3",
  linkerdControlPlane: "2026.8.3",
  linkerdViz: "2026.8.3",
  loadBalancerController: "3.5.0",
  argoWorkflows: "1.0.18",
  argoEvents: "2.4.22",
  keda: "2.20.2",
} as const satisfies Partial<Record<ChartKey, string>>;

/** A chart whose templates were reviewed. */
export type ReviewedChart = keyof typeof REVIEWED_AT;

/** The chart name and reviewed version of a row of a reviewed table. */
export function reviewed(key: ReviewedChart): { chart: string; version: string } {
  return { chart: CHARTS[key].name, version: REVIEWED_AT[key] };
}
