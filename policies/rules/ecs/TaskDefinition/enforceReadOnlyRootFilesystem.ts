import { containersToCheck } from "../../../lib/containerDefinitions";
import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { ECS_TASK_DEFINITION } from "../../../lib/resourceTypes";
import { describe } from "../../../lib/values";

/**
 * Every container of an ECS task definition must mount its root filesystem read-only, so a
 * compromised process cannot change the image's binaries or leave tools behind; a step that must
 * write gets a volume. Unset means writable.
 *
 * @severity high
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html#ecs-5
 */
export const acmeEcsTaskdefinitionEnforceReadOnlyRootFilesystem: AcmeResourcePolicy = {
  name: "acme-ecs-taskdefinition-enforce-read-only-root-filesystem",
  description:
    "Requires every container of an ECS task definition to have a read-only root filesystem.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: [],
  controlGap:
    "The shared control set has no ECS control; this rule mirrors Security Hub's ECS.5 (ECS containers should be limited to read-only access to root filesystems), which issue 14 requires of the Fargate steps.",
  resourceType: ECS_TASK_DEFINITION,
  validateResource: validateResourceType(ECS_TASK_DEFINITION, (args, reportViolation) => {
    const containers = containersToCheck(
      args.props.containerDefinitions,
      "read-only root filesystems cannot be checked",
      reportViolation,
    );
    for (const { label, container } of containers ?? []) {
      if (container.readonlyRootFilesystem !== true) {
        reportViolation(
          `${label}: readonlyRootFilesystem is ${describe(container.readonlyRootFilesystem)}; ` +
            "set it to true and mount a volume where the process must write.",
        );
      }
    }
  }),
};
