/**
 * Where the stack's AWS resources live. index.ts builds it once (from the provider's caller
 * identity and partition and the stack's Region) and every component that writes ARNs, policies
 * or endpoints takes it, by extending this interface, instead of three separate arguments.
 */
import type * as pulumi from "@pulumi/pulumi";

export interface AwsContext {
  /** The AWS account the stack deploys into (12 digits). */
  accountId: pulumi.Input<string>;
  /** The AWS partition (`aws`, `aws-cn`, `aws-us-gov`) of the ARNs. */
  partition: pulumi.Input<string>;
  /** The AWS Region (the provider's `aws:region`). */
  region: string;
}
