/**
 * Helm value paths the project sets that a chart reads but does not default in values.yaml (so the
 * key check cannot see them), per chart. Each entry is documented in the chart's README or
 * templates; everything below a listed path is accepted as is.
 */
export const HELM_FREE_FORM: Readonly<Record<string, readonly string[]>> = {};
