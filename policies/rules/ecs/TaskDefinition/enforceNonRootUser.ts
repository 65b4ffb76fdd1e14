import { containersToCheck } from "../../../lib/containerDefinitions";
import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { ECS_TASK_DEFINITION } from "../../../lib/resourceTypes";
import { describe, isNonEmptyString } from "../../../lib/values";

/** True for `root` or uid 0 (`0`, `00`), the user part of `user[:group]`. */
function isRootUser(user: string): boolean {
  const name = user.split(":")[0].trim();
  return name === "root" || /^0+$/.test(name);
}

/**
 * Every container of an ECS task definition must name a non-root user in `user` (`name`, `uid`,
 * `name:group` or `uid:gid`). Unset means the image's `USER`, which is root for most images, so
 * it is reported too; so is a root user with any group (`0:1000`).
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html#ecs-20
 */
export const acmeEcsTaskdefinitionEnforceNonRootUser: AcmeResourcePolicy = {
  name: "acme-ecs-taskdefinition-enforce-non-root-user",
  description: "Requires every container of an ECS task definition to set user to a non-root user.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: [],
  controlGap:
    "The shared control set has no ECS control; this rule mirrors Security Hub's ECS.20 (ECS task definitions should configure non-root users in Linux container definitions), which issue 14 requires of the Fargate steps.",
  resourceType: ECS_TASK_DEFINITION,
  validateResource: validateResourceType(ECS_TASK_DEFINITION, (args, reportViolation) => {
    const fix = 'set user to a non-zero uid and gid, e.g. "1000:1000".';
    const containers = containersToCheck(
      args.props.containerDefinitions,
      "root users cannot be ruled out",
      reportViolation,
    );
    for (const { label, container } of containers ?? []) {
      const user: unknown = container.user;
      if (!isNonEmptyString(user)) {
        reportViolation(
          `${label}: user is ${describe(user)}, so it runs as the image's user (root unless the image says otherwise); ${fix}`,
        );
      } else if (isRootUser(user)) {
        reportViolation(`${label}: user is "${user}", which is root; ${fix}`);
      }
    }
  }),
};
