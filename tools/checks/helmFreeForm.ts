/**
 * Helm value paths the project sets that a chart reads but does not default in values.yaml (so the
 * key check cannot see them), per chart. Each list lives beside the component that sets the values
 * and says where the chart documents the keys; everything below a listed path is accepted as is.
 */
import { CONTROL_PLANE_FREE_FORM_VALUES } from "../../components/mesh/linkerd";
import { KUBE_PROMETHEUS_STACK_FREE_FORM_VALUES } from "../../components/observability/monitoring";
import {
  JAEGER_FREE_FORM_VALUES,
  OTEL_COLLECTOR_FREE_FORM_VALUES,
} from "../../components/observability/tracing";
import { YACE_FREE_FORM_VALUES } from "../../components/observability/yace";
import { ARGO_EVENTS_FREE_FORM_VALUES } from "../../components/workflows/argoEvents";
import { ARGO_WORKFLOWS_FREE_FORM_VALUES } from "../../components/workflows/argoWorkflows";

export const HELM_FREE_FORM: Readonly<Record<string, readonly string[]>> = {
  "linkerd-control-plane": CONTROL_PLANE_FREE_FORM_VALUES,
  "argo-workflows": ARGO_WORKFLOWS_FREE_FORM_VALUES,
  "argo-events": ARGO_EVENTS_FREE_FORM_VALUES,
  "kube-prometheus-stack": KUBE_PROMETHEUS_STACK_FREE_FORM_VALUES,
  "prometheus-yet-another-cloudwatch-exporter": YACE_FREE_FORM_VALUES,
  "opentelemetry-collector": OTEL_COLLECTOR_FREE_FORM_VALUES,
  jaeger: JAEGER_FREE_FORM_VALUES,
};
