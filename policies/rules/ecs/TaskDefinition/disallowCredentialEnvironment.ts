import { containersToCheck, credentialMarker } from "../../../lib/containerDefinitions";
import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { ECS_TASK_DEFINITION } from "../../../lib/resourceTypes";
import { isRecord } from "../../../lib/values";

/**
 * No container of an ECS task definition may pass a credential in `environment`: its value is
 * plain text in the task definition, which anyone allowed `ecs:DescribeTaskDefinition` reads (and
 * in the stack's state). Credentials go in `secrets`, which ECS resolves from Secrets Manager or
 * SSM Parameter Store when the task starts. A name counts as a credential when it contains one of
 * `CREDENTIAL_NAME_MARKERS` (lib/containerDefinitions.ts).
 *
 * @severity high
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html#ecs-8
 */
export const acmeEcsTaskdefinitionDisallowCredentialEnvironment: AcmeResourcePolicy = {
  name: "acme-ecs-taskdefinition-disallow-credential-environment",
  description:
    "Prohibits ECS container environment variables whose names look like credentials; such values belong in secrets.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: [],
  controlGap:
    "The shared control set has no ECS control; this rule mirrors Security Hub's ECS.8 (Secrets should not be passed as container environment variables), which issue 14 requires of the Fargate steps.",
  resourceType: ECS_TASK_DEFINITION,
  validateResource: validateResourceType(ECS_TASK_DEFINITION, (args, reportViolation) => {
    const containers = containersToCheck(
      args.props.containerDefinitions,
      "credentials in environment variables cannot be ruled out",
      reportViolation,
    );
    for (const { label, container } of containers ?? []) {
      const environment: unknown = container.environment;
      for (const variable of Array.isArray(environment) ? environment : []) {
        const name: unknown = isRecord(variable) ? variable.name : undefined;
        const marker = typeof name === "string" ? credentialMarker(name) : undefined;
        if (marker !== undefined) {
          reportViolation(
            `${label}: environment variable "${name as string}" looks like a credential (its name contains ${marker}); ` +
              "pass it in secrets with valueFrom set to a Secrets Manager secret or SSM parameter ARN.",
          );
        }
      }
    }
  }),
};
