import { containersToCheck } from "../../../lib/containerDefinitions";
import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { ECS_TASK_DEFINITION } from "../../../lib/resourceTypes";
import { describe, isRecord } from "../../../lib/values";

/** Drivers that deliver to CloudWatch Logs, directly or through FireLens. */
const LOG_DRIVERS = ["awslogs", "awsfirelens"];

/**
 * Every container of an ECS task definition must send its output to CloudWatch Logs, with the
 * `awslogs` driver or through FireLens (`awsfirelens`): without a log configuration a failed step
 * leaves no record once its task is gone.
 *
 * @severity high
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html#ecs-9
 */
export const acmeEcsTaskdefinitionEnableContainerLogging: AcmeResourcePolicy = {
  name: "acme-ecs-taskdefinition-enable-container-logging",
  description:
    "Requires every container of an ECS task definition to log with the awslogs or awsfirelens driver.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: [],
  controlGap:
    "The shared control set has no ECS control; this rule mirrors Security Hub's ECS.9 (ECS task definitions should have a logging configuration), which issue 14 requires of the Fargate steps.",
  resourceType: ECS_TASK_DEFINITION,
  validateResource: validateResourceType(ECS_TASK_DEFINITION, (args, reportViolation) => {
    const fix =
      'set logConfiguration to { logDriver: "awslogs", options: { "awslogs-group": ..., "awslogs-region": ..., "awslogs-stream-prefix": ... } } (or use awsfirelens).';
    const containers = containersToCheck(
      args.props.containerDefinitions,
      "logging cannot be checked",
      reportViolation,
    );
    for (const { label, container } of containers ?? []) {
      const logging: unknown = container.logConfiguration;
      if (!isRecord(logging)) {
        reportViolation(
          `${label}: logConfiguration is ${describe(logging)}, so its output is lost; ${fix}`,
        );
      } else if (
        typeof logging.logDriver !== "string" ||
        !LOG_DRIVERS.includes(logging.logDriver)
      ) {
        reportViolation(
          `${label}: logConfiguration.logDriver is ${describe(logging.logDriver)}; ${fix}`,
        );
      }
    }
  }),
};
