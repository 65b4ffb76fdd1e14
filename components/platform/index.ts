export * from "./loadBalancerController";
export * from "./loadBalancerControllerPolicy";
