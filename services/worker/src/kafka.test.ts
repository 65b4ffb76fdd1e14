import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger } from "@acme/service-kit";
import { connectionOptions, mskIamTokenProvider, type AuthToken } from "./kafka";

const MINUTE = 60_000;

/** A token generator whose tokens live 15 minutes (as MSK's do), counting its calls. */
function fakeGenerator(clock: { now: number }) {
  const calls: { region: string }[] = [];
  const generate = async (options: { region: string }): Promise<AuthToken> => {
    calls.push(options);
    return { token: `token-${calls.length}`, expiryTime: clock.now + 15 * MINUTE };
  };
  return { generate, calls };
}

describe("MSK IAM token provider", () => {
  it("reuses a token while more than the margin remains and replaces it before it expires", async () => {
    const clock = { now: 1_000_000 };
    const { generate, calls } = fakeGenerator(clock);
    const token = mskIamTokenProvider({
      region: "eu-west-1",
      refreshMarginMs: MINUTE,
      generate,
      now: () => clock.now,
    });

    assert.equal(await token(), "token-1");
    clock.now += 13 * MINUTE; // 2 minutes left: still fresh
    assert.equal(await token(), "token-1");
    assert.equal(calls.length, 1);

    clock.now += MINUTE + 1; // just under 1 minute left: refreshed before expiry
    assert.equal(await token(), "token-2");
    assert.deepEqual(calls, [{ region: "eu-west-1" }, { region: "eu-west-1" }]);
    clock.now += MINUTE;
    assert.equal(await token(), "token-2", "the new token is reused in turn");
  });

  it("shares one generation between concurrent calls", async () => {
    const clock = { now: 0 };
    const { generate, calls } = fakeGenerator(clock);
    const token = mskIamTokenProvider({
      region: "eu-west-1",
      refreshMarginMs: MINUTE,
      generate,
      now: () => clock.now,
    });
    assert.deepEqual(await Promise.all([token(), token(), token()]), [
      "token-1",
      "token-1",
      "token-1",
    ]);
    assert.equal(calls.length, 1);
  });

  it("generates again after a failed generation", async () => {
    let fail = true;
    const token = mskIamTokenProvider({
      region: "eu-west-1",
      refreshMarginMs: MINUTE,
      generate: async () => {
        if (fail) throw new Error("no credentials");
        return { token: "t", expiryTime: Date.now() + 15 * MINUTE };
      },
    });
    await assert.rejects(token(), /no credentials/);
    fail = false;
    assert.equal(await token(), "t");
  });
});

describe("Kafka connection options", () => {
  const base = {
    clientId: "worker",
    brokers: ["b-1.msk.example:9098"],
    tokenRefreshMarginMs: MINUTE,
    logger: createLogger("worker", { level: "silent" }),
  };

  it("uses TLS and SASL OAUTHBEARER with the MSK token provider for KAFKA_AUTH=iam", async () => {
    const options = connectionOptions({
      ...base,
      tls: true,
      auth: "iam",
      region: "eu-west-1",
      generateToken: async ({ region }) => ({
        token: `signed-for-${region}`,
        expiryTime: Date.now() + 15 * MINUTE,
      }),
    });
    assert.deepEqual(options.tls, {});
    assert.equal(options.sasl?.mechanism, "OAUTHBEARER");
    assert.equal(
      typeof options.sasl?.token,
      "function",
      "a provider, called at every (re)authentication",
    );
    assert.equal(await (options.sasl?.token as () => Promise<string>)(), "signed-for-eu-west-1");
    assert.deepEqual(options.bootstrapBrokers, ["b-1.msk.example:9098"]);
  });

  it("sends no SASL for KAFKA_AUTH=none and refuses IAM without a Region", () => {
    const none = connectionOptions({ ...base, tls: false, auth: "none" });
    assert.equal(none.sasl, undefined);
    assert.equal(none.tls, undefined);
    assert.throws(
      () => connectionOptions({ ...base, tls: true, auth: "iam" }),
      /KAFKA_AUTH=iam needs AWS_REGION/,
    );
  });
});
