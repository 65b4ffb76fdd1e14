import { containersToCheck } from "../../../lib/containerDefinitions";
import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { ECS_TASK_DEFINITION } from "../../../lib/resourceTypes";

/**
 * No container of an ECS task definition may be privileged: a privileged container has the
 * host's devices and every capability, close to root on the host.
 *
 * @severity high
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html#ecs-4
 */
export const acmeEcsTaskdefinitionDisallowPrivilegedContainers: AcmeResourcePolicy = {
  name: "acme-ecs-taskdefinition-disallow-privileged-containers",
  description: "Prohibits privileged containers in ECS task definitions.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: [],
  controlGap:
    "The shared control set has no ECS control; this rule mirrors Security Hub's ECS.4 (ECS containers should run as non-privileged), which issue 14 requires of the Fargate steps.",
  resourceType: ECS_TASK_DEFINITION,
  validateResource: validateResourceType(ECS_TASK_DEFINITION, (args, reportViolation) => {
    const containers = containersToCheck(
      args.props.containerDefinitions,
      "privileged containers cannot be ruled out",
      reportViolation,
    );
    for (const { label, container } of containers ?? []) {
      if (container.privileged === true) {
        reportViolation(`${label}: privileged is true; remove it or set it to false.`);
      }
    }
  }),
};
