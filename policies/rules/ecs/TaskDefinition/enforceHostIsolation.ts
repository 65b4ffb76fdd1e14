import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { ECS_TASK_DEFINITION } from "../../../lib/resourceTypes";
import { describe } from "../../../lib/values";

/**
 * ECS task definitions must use the `awsvpc` network mode, which gives each task its own network
 * interface and security groups (unset means `bridge` on EC2; `host` shares the host's network),
 * and must not share the host's process or IPC namespace (`pidMode` / `ipcMode` `host`), which
 * would let a container see and signal the host's processes or read its shared memory.
 *
 * @severity high
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html#ecs-3
 */
export const acmeEcsTaskdefinitionEnforceHostIsolation: AcmeResourcePolicy = {
  name: "acme-ecs-taskdefinition-enforce-host-isolation",
  description:
    "Requires ECS task definitions to use the awsvpc network mode and not to share the host's process or IPC namespace.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: [],
  controlGap:
    "The shared control set has no ECS control; this rule mirrors Security Hub's ECS.3 (ECS task definitions should not share the host's process namespace) and extends it to the IPC namespace and to awsvpc networking, which issue 14 requires of the Fargate steps.",
  resourceType: ECS_TASK_DEFINITION,
  validateResource: validateResourceType(ECS_TASK_DEFINITION, (args, reportViolation) => {
    const { networkMode, pidMode, ipcMode } = args.props as Record<string, unknown>;
    if (networkMode !== "awsvpc") {
      reportViolation(
        `networkMode is ${describe(networkMode)}; set it to "awsvpc" so each task has its own network interface and security groups.`,
      );
    }
    if (pidMode === "host") {
      reportViolation(
        'pidMode is "host"; remove it (or use "task") so tasks keep their own process namespace.',
      );
    }
    if (ipcMode === "host") {
      reportViolation(
        'ipcMode is "host"; remove it (or use "task" or "none") so tasks keep their own IPC namespace.',
      );
    }
  }),
};
