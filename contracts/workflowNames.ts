/**
 * How a Workflow started for a workflow request is named: the one rule the Argo Events sensor
 * (components/workflows/argoEvents.ts) and Service A's status adapter
 * (services/service-a/src/argoStatus.ts) both follow. The sensor names the Workflow it submits
 * `<prefix>-<the first 40 hex digits of the SHA-256 of the idempotency key>`, so a redelivered
 * message maps to the same name and a second submit fails as AlreadyExists; Service A derives the
 * same name to read the Workflow back.
 *
 * Pure (node:crypto only): the Pulumi program and the service bundle both load it.
 */
import { createHash } from "node:crypto";

/**
 * Hex digits of the SHA-256 kept in a workflow name. The sensor writes the same number into its
 * Go template (`sha256sum | trunc 40`); contracts/workflowNames.test.ts renders the sensor's
 * template and checks the two names agree.
 */
export const WORKFLOW_NAME_HASH_LENGTH = 40;

/**
 * The name prefix of workflows started from `template`: at most 22 characters, so that the
 * prefix, a dash and 40 hash characters stay within the 63 characters a label value allows
 * (Argo copies the workflow name into the pods' `workflows.argoproj.io/workflow` label).
 */
export function workflowNamePrefix(template: string): string {
  return template.slice(0, 22).replace(/-+$/, "");
}

/**
 * The name of the Workflow the sensor submits from the WorkflowTemplate `template` for the
 * request with `idempotencyKey` (sprig's `sha256sum` is the lower-case hex SHA-256 of the
 * string's UTF-8 bytes; `trunc` keeps its first characters).
 */
export function workflowName(template: string, idempotencyKey: string): string {
  const hash = createHash("sha256").update(idempotencyKey, "utf8").digest("hex");
  return `${workflowNamePrefix(template)}-${hash.slice(0, WORKFLOW_NAME_HASH_LENGTH)}`;
}
