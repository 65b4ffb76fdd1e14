import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { domainName } from "../../../fixtures/apigateway";
import { violationMessages } from "../../../lib/testing";
import { acmeApigatewayDomainnameEnforceTlsPolicy as policy } from "./enforceTlsPolicy";

const POLICIES =
  "SecurityPolicy_TLS13_1_3_2025_09, SecurityPolicy_TLS13_1_3_FIPS_2025_09, " +
  "SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09, SecurityPolicy_TLS13_2025_EDGE, " +
  "SecurityPolicy_TLS12_PFS_2025_EDGE";
const POLICY_MESSAGE = (value: string) =>
  `securityPolicy is ${value}; set it to one of ${POLICIES} (TLS 1.3 where every client supports it).`;

describe(policy.name, () => {
  test("passes TLS 1.3 in strict mode", async () => {
    assert.deepEqual(await violationMessages(policy, domainName()), []);
  });

  test("passes the TLS 1.2 forward-secrecy post-quantum policy", async () => {
    const props = { ...domainName(), securityPolicy: "SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09" };
    assert.deepEqual(await violationMessages(policy, props), []);
  });

  test("reports the legacy TLS_1_2, which APIGateway.11 fails", async () => {
    const props = { ...domainName(), securityPolicy: "TLS_1_2", endpointAccessMode: undefined };
    assert.deepEqual(await violationMessages(policy, props), [POLICY_MESSAGE('"TLS_1_2"')]);
  });

  test("reports an unset policy and a TLS 1.2 policy that is not on the list", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...domainName(), securityPolicy: undefined }),
      [POLICY_MESSAGE("not set")],
    );
    assert.deepEqual(
      await violationMessages(policy, {
        ...domainName(),
        securityPolicy: "SecurityPolicy_TLS13_1_2_2021_06",
      }),
      [POLICY_MESSAGE('"SecurityPolicy_TLS13_1_2_2021_06"')],
    );
  });

  test("reports the basic endpoint access mode", async () => {
    assert.deepEqual(
      await violationMessages(policy, { ...domainName(), endpointAccessMode: "BASIC" }),
      [
        'endpointAccessMode is "BASIC"; set it to "STRICT", the mode AWS recommends for ' +
          'production ("BASIC" is for migrating to an enhanced policy).',
      ],
    );
  });
});
