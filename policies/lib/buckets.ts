/** Matching S3 buckets to the side resources that configure them, by bucket name. */
import type { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import { S3_BUCKET_TYPES } from "./resourceTypes";

/** A bucket of the stack and its side resources of the asked types. */
export interface BucketSettings {
  bucket: PolicyResource;
  /** The bucket's physical name. */
  name: string;
  settings: PolicyResource[];
}

/**
 * Every bucket of the stack with the resources of `settingTypes` whose `bucket` is its name. A
 * bucket whose name is not known yet stops the rule there (left undecided), as the other S3 stack
 * rules do.
 */
export function bucketsWith(
  args: StackValidationArgs,
  settingTypes: readonly string[],
): BucketSettings[] {
  const settings = args.resources.filter((r) => settingTypes.includes(r.type));
  return args.resources
    .filter((r) => S3_BUCKET_TYPES.includes(r.type))
    .map((bucket) => {
      const name = bucket.props.bucket as string;
      return { bucket, name, settings: settings.filter((s) => s.props.bucket === name) };
    });
}
