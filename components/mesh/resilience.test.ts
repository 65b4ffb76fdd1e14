import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  parseLinkerdDuration,
  renderResiliencePolicy,
  resilienceAnnotations,
  type ResilienceContext,
  type ResiliencePolicy,
  retryBudget,
  validateResiliencePolicy,
} from "./resilience";

/** A policy valid on an idempotent Service: every part set. */
function policy(overrides: Partial<ResiliencePolicy> = {}): ResiliencePolicy {
  return {
    requestTimeout: "2s",
    retries: { limit: 2, statusClasses: ["5xx", "429"], timeout: "300ms" },
    failureAccrual: {
      consecutiveFailures: 7,
      minPenalty: "1s",
      maxPenalty: "1m",
      jitterRatio: 0.5,
    },
    ...overrides,
  };
}

function context(overrides: Partial<ResilienceContext> = {}): ResilienceContext {
  return {
    target: "Service",
    idempotentRoute: true,
    serviceHasServiceProfile: false,
    applicationAttempts: 2,
    maxTotalAttempts: 6,
    ...overrides,
  };
}

const errorsOf = (p: ResiliencePolicy, c: ResilienceContext = context()) =>
  validateResiliencePolicy(p, c).map((e) => [e.propertyPath, e.reason]);

describe("parseLinkerdDuration", () => {
  const cases: Array<[string, number | undefined]> = [
    ["500ms", 500],
    ["2s", 2000],
    ["1m", 60_000],
    ["3h", 10_800_000],
    ["1d", 86_400_000],
    ["0", 0],
    ["0s", 0],
    ["5", undefined], // a bare non-zero number needs a unit
    ["1m30s", undefined], // Go-style compounds: the controller parses one number and one unit
    ["0.5s", undefined], // fractions are rejected
    ["-5s", undefined],
    ["10x", undefined],
    ["", undefined],
  ];
  for (const [text, ms] of cases) {
    it(`reads ${JSON.stringify(text)} as ${String(ms)}`, () => {
      assert.equal(parseLinkerdDuration(text), ms);
    });
  }
});

describe("validateResiliencePolicy", () => {
  it("accepts a full policy on an idempotent Service within budget, and an empty policy anywhere", () => {
    assert.deepEqual(errorsOf(policy()), []);
    assert.deepEqual(
      errorsOf(
        {},
        context({ target: "HTTPRoute", idempotentRoute: false, serviceHasServiceProfile: false }),
      ),
      [],
    );
    assert.deepEqual(
      errorsOf({ requestTimeout: "5s" }, context({ target: "HTTPRoute", idempotentRoute: false })),
      [],
      "timeouts need no idempotency",
    );
  });

  const rejected: Array<
    [string, ResiliencePolicy, Partial<ResilienceContext>, Array<[string, string]>]
  > = [
    [
      "min penalty above max penalty",
      policy({
        failureAccrual: {
          consecutiveFailures: 7,
          minPenalty: "2m",
          maxPenalty: "1m",
          jitterRatio: 0.5,
        },
      }),
      {},
      [
        [
          "failureAccrual.minPenalty",
          "2m exceeds maxPenalty 1m; Linkerd requires minPenalty <= maxPenalty",
        ],
      ],
    ],
    [
      "a zero max penalty",
      policy({
        failureAccrual: {
          consecutiveFailures: 7,
          minPenalty: "1s",
          maxPenalty: "0s",
          jitterRatio: 0.5,
        },
      }),
      {},
      [["failureAccrual.maxPenalty", "must be greater than zero"]],
    ],
    [
      "a Go-style penalty",
      policy({
        failureAccrual: {
          consecutiveFailures: 7,
          minPenalty: "1m30s",
          maxPenalty: "5m",
          jitterRatio: 0.5,
        },
      }),
      {},
      [
        [
          "failureAccrual.minPenalty",
          '"1m30s" is not a Linkerd duration; use a whole number with one unit of ms, s, m, h or d, e.g. "500ms" or "2s"',
        ],
      ],
    ],
    [
      "jitter above 100 and no consecutive failures",
      policy({
        failureAccrual: {
          consecutiveFailures: 0,
          minPenalty: "1s",
          maxPenalty: "1m",
          jitterRatio: 101,
        },
      }),
      {},
      [
        ["failureAccrual.consecutiveFailures", "must be a whole number >= 1 (got 0)"],
        ["failureAccrual.jitterRatio", "must be between 0.0 and 100.0 (got 101)"],
      ],
    ],
    [
      "failure accrual on a route",
      policy({ retries: undefined }),
      { target: "HTTPRoute" },
      [
        [
          "failureAccrual",
          "Linkerd reads failure accrual from Service annotations only, not from an HTTPRoute",
        ],
      ],
    ],
    [
      "retries on a route not marked idempotent",
      policy({ failureAccrual: undefined }),
      { target: "HTTPRoute", idempotentRoute: false },
      [
        [
          "retries",
          "the HTTPRoute is not marked idempotent; a retried request may be applied twice, so retry only on routes whose requests are idempotent",
        ],
      ],
    ],
    [
      "a retry budget exceeded",
      policy({ retries: { limit: 3, statusClasses: ["5xx"] } }),
      { applicationAttempts: 2, maxTotalAttempts: 6 },
      [
        [
          "retries.limit",
          "worst case is 4 mesh attempts x 2 application attempts = 8, above the budget of 6; lower the retry limit or the application's retries",
        ],
      ],
    ],
    [
      "application attempts alone above the budget",
      policy({ retries: undefined }),
      { applicationAttempts: 7, maxTotalAttempts: 6 },
      [
        [
          "applicationAttempts",
          "worst case is 1 mesh attempt x 7 application attempts = 7, above the budget of 6; lower the application's retries",
        ],
      ],
    ],
    [
      "a zero retry limit (Linkerd would read it as 1)",
      policy({ retries: { limit: 0, statusClasses: ["5xx"] } }),
      {},
      [["retries.limit", "must be a whole number from 1 to 65535 (got 0); Linkerd reads 0 as 1"]],
    ],
    [
      "status classes Linkerd does not parse",
      policy({
        retries: { limit: 1, statusClasses: ["4xx", "504-500", "gateway-error", "500-504", "600"] },
      }),
      {},
      [
        [
          "retries.statusClasses[0]",
          '"4xx" is not a retry condition; use a code from 100 to 599, a range such as "500-504", "gateway-error" or "5xx"',
        ],
        [
          "retries.statusClasses[1]",
          '"504-500" is not a retry condition; use a code from 100 to 599, a range such as "500-504", "gateway-error" or "5xx"',
        ],
        [
          "retries.statusClasses[4]",
          '"600" is not a retry condition; use a code from 100 to 599, a range such as "500-504", "gateway-error" or "5xx"',
        ],
      ],
    ],
    [
      "no status class",
      policy({ retries: { limit: 1, statusClasses: [] } }),
      {},
      [["retries.statusClasses", 'lists no status; give at least one, e.g. "5xx" or "429"']],
    ],
    [
      "a retry timeout as long as the request timeout",
      policy({
        requestTimeout: "1s",
        retries: { limit: 1, statusClasses: ["5xx"], timeout: "1000ms" },
      }),
      {},
      [
        [
          "retries.timeout",
          "1000ms is not shorter than requestTimeout 1s, which bounds the whole request, so no retry could ever start",
        ],
      ],
    ],
    [
      "a zero request timeout",
      policy({ requestTimeout: "0" }),
      {},
      [["requestTimeout", "must be greater than zero"]],
    ],
    [
      "a ServiceProfile on the Service",
      policy({ failureAccrual: undefined }),
      { serviceHasServiceProfile: true },
      [
        [
          "serviceHasServiceProfile",
          "a ServiceProfile exists for the Service, so Linkerd ignores requestTimeout, retries; delete the ServiceProfile or drop the policy",
        ],
      ],
    ],
    [
      "a malformed budget",
      policy(),
      { applicationAttempts: 0, maxTotalAttempts: 2.5 },
      [
        ["applicationAttempts", "must be a whole number >= 1 (got 0)"],
        ["maxTotalAttempts", "must be a whole number >= 1 (got 2.5)"],
      ],
    ],
  ];
  for (const [title, p, c, expected] of rejected) {
    it(`rejects ${title}, naming the field`, () => {
      assert.deepEqual(errorsOf(p, context(c)), expected);
    });
  }
});

describe("retryBudget", () => {
  it("multiplies mesh attempts (1 + limit) by application attempts", () => {
    assert.deepEqual(retryBudget(policy(), 2), {
      meshAttempts: 3,
      applicationAttempts: 2,
      worstCaseAttempts: 6,
    });
    assert.deepEqual(retryBudget({}, 3), {
      meshAttempts: 1,
      applicationAttempts: 3,
      worstCaseAttempts: 3,
    });
  });
});

describe("resilienceAnnotations", () => {
  it("renders every part as Linkerd's annotation keys", () => {
    assert.deepEqual(resilienceAnnotations(policy()), {
      "timeout.linkerd.io/request": "2s",
      "retry.linkerd.io/http": "5xx,429",
      "retry.linkerd.io/limit": "2",
      "retry.linkerd.io/timeout": "300ms",
      "balancer.linkerd.io/failure-accrual": "consecutive",
      "balancer.linkerd.io/failure-accrual-consecutive-max-failures": "7",
      "balancer.linkerd.io/failure-accrual-consecutive-min-penalty": "1s",
      "balancer.linkerd.io/failure-accrual-consecutive-max-penalty": "1m",
      "balancer.linkerd.io/failure-accrual-consecutive-jitter-ratio": "0.5",
    });
  });

  it("renders nothing for an empty policy and no retry timeout when none is set", () => {
    assert.deepEqual(resilienceAnnotations({}), {});
    assert.deepEqual(
      resilienceAnnotations({ retries: { limit: 1, statusClasses: ["gateway-error"] } }),
      {
        "retry.linkerd.io/http": "gateway-error",
        "retry.linkerd.io/limit": "1",
      },
    );
  });

  it("renders only a valid policy through renderResiliencePolicy, else throws naming each field", () => {
    assert.deepEqual(
      renderResiliencePolicy({ requestTimeout: "5s" }, context({ target: "HTTPRoute" })),
      { "timeout.linkerd.io/request": "5s" },
    );
    assert.throws(
      () =>
        renderResiliencePolicy(
          policy({
            retries: { limit: 5, statusClasses: ["5xx"] },
            failureAccrual: {
              consecutiveFailures: 7,
              minPenalty: "2m",
              maxPenalty: "1m",
              jitterRatio: 0,
            },
          }),
          context({ idempotentRoute: false }),
        ),
      (e: Error) =>
        pulumi.InputPropertiesError.isInstance(e) &&
        e.message.startsWith("ResiliencePolicy: 3 invalid arguments:\n") &&
        e.message.includes("  - retries: the Service is not marked idempotent") &&
        e.message.includes(
          "  - retries.limit: worst case is 6 mesh attempts x 2 application attempts = 12",
        ) &&
        e.message.includes("  - failureAccrual.minPenalty: 2m exceeds maxPenalty 1m"),
    );
  });
});
