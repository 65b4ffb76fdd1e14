import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  apiGatewayStack,
  logGroupArn,
  logGroupResource,
  WAF_LOG_GROUP,
  WAFV2_WEB_ACL,
  WAFV2_WEB_ACL_LOGGING_CONFIGURATION,
  webAclLoggingResource,
  webAclResource,
} from "../../../fixtures/apigateway";
import { evaluateSqsStack, type StackResource } from "../../../fixtures/sqs";
import { testUrn } from "../../../lib/testing";
import { acmeWafv2WebaclEnableLogging as policy } from "./enableLogging";

const URN = testUrn(WAFV2_WEB_ACL, "front-door");
const FIX = "deliver to a log group of this stack encrypted with a customer-managed KMS key.";

async function violations(resources: StackResource[]): Promise<[string, string][]> {
  return (await evaluateSqsStack(policy, resources)).violations.map((v) => [v.urn, v.message]);
}

/** The passing stack with the logging configuration and log group replaced by `replacement`. */
function withLogging(...replacement: StackResource[]): StackResource[] {
  return [
    ...apiGatewayStack().filter(
      (r) => r.type !== WAFV2_WEB_ACL_LOGGING_CONFIGURATION && r.name !== WAF_LOG_GROUP,
    ),
    ...replacement,
  ];
}

describe(policy.name, () => {
  test("passes an ACL that logs to an encrypted log group of the stack", async () => {
    assert.deepEqual(await violations(apiGatewayStack()), []);
  });

  test("passes a destination ARN with the :* suffix", async () => {
    const stack = withLogging(
      webAclLoggingResource([`${logGroupArn(WAF_LOG_GROUP)}:*`]),
      logGroupResource(WAF_LOG_GROUP),
    );
    assert.deepEqual(await violations(stack), []);
  });

  test("reports an ACL without a logging configuration", async () => {
    assert.deepEqual(await violations([webAclResource()]), [
      [
        URN,
        "WAF web ACL front-door has no logging configuration; add an " +
          "aws.wafv2.WebAclLoggingConfiguration whose resourceArn is the ACL's ARN and whose " +
          'logDestinationConfigs name a log group ("aws-waf-logs-" prefix) encrypted with a ' +
          "customer-managed KMS key.",
      ],
    ]);
  });

  test("reports a log group without a customer-managed key", async () => {
    const stack = withLogging(
      webAclLoggingResource(),
      logGroupResource(WAF_LOG_GROUP, { kmsKeyId: undefined }),
    );
    assert.deepEqual(await violations(stack), [
      [
        URN,
        "WAF web ACL front-door: logging configuration front-door delivers to " +
          `${logGroupArn(WAF_LOG_GROUP)}, which is a log group not encrypted with a ` +
          `customer-managed KMS key; ${FIX}`,
      ],
    ]);
  });

  test("reports an S3 destination and a log group the stack does not declare", async () => {
    const bucket = "arn:aws:s3:::aws-waf-logs-front-door";
    const stack = withLogging(webAclLoggingResource([bucket, logGroupArn(WAF_LOG_GROUP)]));
    assert.deepEqual(await violations(stack), [
      [
        URN,
        `WAF web ACL front-door: logging configuration front-door delivers to ${bucket}, which ` +
          `is not a CloudWatch Logs log group; ${FIX}`,
      ],
      [
        URN,
        "WAF web ACL front-door: logging configuration front-door delivers to " +
          `${logGroupArn(WAF_LOG_GROUP)}, which is a log group this stack does not declare, so ` +
          `its encryption cannot be checked; ${FIX}`,
      ],
    ]);
  });
});
