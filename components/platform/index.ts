export * from "./loadBalancerController";
export * from "./loadBalancerControllerPolicy";
export * from "./keda";
