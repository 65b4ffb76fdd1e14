/**
 * How the stack wires Service A's request-status reads (services/service-a/src/status.ts) to the
 * workflow engine it selects: Service A's environment, and the one grant each engine needs, taken
 * from what Service A exports for the purpose (services/service-a/src/statusAccess.ts).
 *
 * - Argo: `WORKFLOW_ENGINE=argo`, the namespace and WorkflowTemplate the sensor submits from, and
 *   Kubernetes API access (`MicroserviceArgs.kubernetesApi`): a Role of `SERVICE_A_STATUS_RBAC` in
 *   the workflows namespace bound to Service A's account, a projected token, a NetworkPolicy.
 * - Step Functions: `WORKFLOW_ENGINE=step-functions`, `STATE_MACHINE_ARN`, and
 *   `serviceAStatusIamStatements(arn)` on Service A's Pod Identity role.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  SERVICE_A_STATUS_RBAC,
  serviceAStatusIamStatements,
} from "../../services/service-a/src/statusAccess";
import type { PolicyStatement } from "../lib";
import type { MicroserviceKubernetesApi } from "./microservice";

/** What {@link serviceAArgoStatus} needs. */
export interface ServiceAArgoStatusArgs {
  /** The namespace the Argo Events sensor submits Workflows to (`platform.workflows.namespace`). */
  namespace: string;
  /** The WorkflowTemplate the sensor submits requests from (its name prefixes the Workflows'). */
  workflowTemplate: string;
  /** The cluster's Service IPv4 CIDR (`kubernetesNetworkConfig.serviceIpv4Cidr` of the EKS cluster). */
  serviceIpv4Cidr: pulumi.Input<string>;
}

/** Service A's env and Kubernetes API access on an Argo stack. */
export function serviceAArgoStatus(args: ServiceAArgoStatusArgs): {
  env: Record<string, string>;
  kubernetesApi: MicroserviceKubernetesApi;
} {
  return {
    env: {
      WORKFLOW_ENGINE: "argo",
      ARGO_NAMESPACE: args.namespace,
      ARGO_WORKFLOW_TEMPLATE: args.workflowTemplate,
    },
    kubernetesApi: {
      roles: [{ namespace: args.namespace, rules: SERVICE_A_STATUS_RBAC }],
      serviceIpv4Cidr: args.serviceIpv4Cidr,
    },
  };
}

/**
 * An ARN of a state machine's form: which statements `serviceAStatusIamStatements` returns, and
 * their Sids, actions and conditions, do not depend on the ARN; only their resources do.
 */
const SHAPE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:shape";

/**
 * `serviceAStatusIamStatements(stateMachineArn)` for an ARN that is still an Output: the same
 * statements, each Resource resolved from the real ARN (for `access.executionReads`).
 */
export function serviceAStatusAccess(stateMachineArn: pulumi.Input<string>): PolicyStatement[] {
  const resolved = pulumi.output(stateMachineArn).apply(serviceAStatusIamStatements);
  return serviceAStatusIamStatements(SHAPE_ARN).map((shape, i) => ({
    Sid: shape.Sid,
    Effect: shape.Effect,
    Action: [...shape.Action],
    Resource: shape.Resource.map((_, j) => resolved.apply((all) => all[i].Resource[j])),
    ...(shape.Condition ? { Condition: shape.Condition } : {}),
  }));
}

/** Service A's env, resource env and IAM grant on a Step Functions stack. */
export function serviceAStepFunctionsStatus(stateMachineArn: pulumi.Input<string>): {
  env: Record<string, string>;
  resourceEnv: Record<string, pulumi.Input<string>>;
  executionReads: PolicyStatement[];
} {
  return {
    env: { WORKFLOW_ENGINE: "step-functions" },
    resourceEnv: { STATE_MACHINE_ARN: stateMachineArn },
    executionReads: serviceAStatusAccess(stateMachineArn),
  };
}
