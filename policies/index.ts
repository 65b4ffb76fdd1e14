// Constructing the pack starts CrossGuard's gRPC server, so nothing may import this file; tools
// and tests take the rules from ./rules.
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./rules";

new PolicyPack("acme-platform", { policies: allPolicies });
