/** The ECS policies, in the order CrossGuard runs them; `rules/index.ts` adds them to the pack. */
import type { AcmePolicy } from "../../lib/policy";
import { acmeEcsClusterEnableContainerInsights } from "./Cluster/enableContainerInsights";
import { acmeEcsTaskdefinitionDisallowCredentialEnvironment } from "./TaskDefinition/disallowCredentialEnvironment";
import { acmeEcsTaskdefinitionDisallowPrivilegedContainers } from "./TaskDefinition/disallowPrivilegedContainers";
import { acmeEcsTaskdefinitionEnableContainerLogging } from "./TaskDefinition/enableContainerLogging";
import { acmeEcsTaskdefinitionEnforceHostIsolation } from "./TaskDefinition/enforceHostIsolation";
import { acmeEcsTaskdefinitionEnforceNonRootUser } from "./TaskDefinition/enforceNonRootUser";
import { acmeEcsTaskdefinitionEnforceReadOnlyRootFilesystem } from "./TaskDefinition/enforceReadOnlyRootFilesystem";

export const ecsPolicies: AcmePolicy[] = [
  acmeEcsTaskdefinitionEnforceReadOnlyRootFilesystem,
  acmeEcsTaskdefinitionDisallowPrivilegedContainers,
  acmeEcsTaskdefinitionEnableContainerLogging,
  acmeEcsTaskdefinitionEnforceNonRootUser,
  acmeEcsTaskdefinitionDisallowCredentialEnvironment,
  acmeEcsTaskdefinitionEnforceHostIsolation,
  acmeEcsClusterEnableContainerInsights,
];
