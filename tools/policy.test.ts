import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
} from "@pulumi/policy";
import { UNKNOWN, withPulumiType } from "../policies/lib/policyInternals";
import { allPolicies, type AcmePolicy } from "../policies/rules";
import { main } from "./policy";
import {
  evaluateStackExport,
  PolicyConfigError,
  PolicyRunError,
  StackExportError,
  type ExportResource,
  type StackExport,
} from "../policies/lib/runner";

const repoRoot = path.resolve(__dirname, "..");
const fixtureFile = path.join(__dirname, "fixtures", "violations.stack.json");

const P = "urn:pulumi:dev::acme-platform::";
const BAD = {
  key: `${P}acme:security:PlatformKeys$aws:kms/key:Key::platform-data`,
  logGroup: `${P}aws:cloudwatch/logGroup:LogGroup::app-logs`,
  cluster: `${P}aws:eks/cluster:Cluster::legacy`,
};
const DELETED_LOG_GROUP = `${P}aws:cloudwatch/logGroup:LogGroup::old-logs`;
const EXPECTED = [
  { policyName: "acme-kms-key-enable-key-rotation", urn: BAD.key, controls: ["KMS.4"] },
  {
    policyName: "acme-cloudwatch-loggroup-missing-kms-key",
    urn: BAD.logGroup,
    controls: ["CKV_AWS_158"],
  },
  {
    policyName: "acme-eks-cluster-enable-secrets-encryption",
    urn: BAD.cluster,
    controls: ["EKS.3"],
  },
];

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const PUBLIC_POLICY = JSON.stringify({
  Statement: [{ Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*" }],
});

function fixture(): StackExport & { deployment: { resources: ExportResource[] } } {
  return JSON.parse(fs.readFileSync(fixtureFile, "utf8")) as StackExport & {
    deployment: { resources: ExportResource[] };
  };
}

/** The fixture without its three bad resources. */
function cleanFixture(): StackExport {
  const doc = fixture();
  const bad = new Set(Object.values(BAD));
  doc.deployment.resources = doc.deployment.resources.filter((r) => !bad.has(r.urn));
  return doc;
}

function stackOf(...resources: ExportResource[]): StackExport {
  return { version: 3, deployment: { resources } };
}

function kmsKey(name: string, inputs: Record<string, unknown>): ExportResource {
  return {
    urn: `${P}aws:kms/key:Key::${name}`,
    type: "aws:kms/key:Key",
    custom: true,
    id: `${name}-id`,
    inputs: { enableKeyRotation: true, ...inputs },
    outputs: {},
  };
}

function tempFile(name: string, content: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-test-"));
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

/** Runs `main` in-process and collects what it prints. */
async function runMain(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** A test policy, shaped like a pack rule, that records the arguments it is given. */
function spyPolicy(
  validateResource: ResourceValidationPolicy["validateResource"],
  extra: Partial<AcmePolicy> = {},
): AcmePolicy {
  return {
    name: "acme-test-spy-enforce-nothing",
    description: "Records its arguments.",
    enforcementLevel: "mandatory",
    severity: "low",
    controls: ["KMS.4"],
    resourceType: "aws:kms/key:Key",
    validateResource,
    ...extra,
  } as AcmePolicy;
}

describe("policy CLI", () => {
  // Spawned like `npm run policy` does, to prove the entrypoint and exit codes end to end.
  test("exits 1 and names each violating policy and resource", () => {
    const run = spawnSync(
      "npx",
      ["tsx", "tools/policy.ts", "tools/fixtures/violations.stack.json"],
      {
        cwd: repoRoot,
        encoding: "utf8",
      },
    );
    assert.equal(run.status, 1, run.stderr);
    for (const { policyName, urn } of EXPECTED) {
      assert.ok(
        run.stdout.includes(`mandatory ${policyName} ${urn}: `),
        `missing ${policyName} on ${urn} in:\n${run.stdout}`,
      );
    }
    assert.ok(!run.stdout.includes(DELETED_LOG_GROUP), "a resource being deleted was checked");
    assert.match(run.stdout, /^3 mandatory violations, 0 advisory violations, 0 undecidable;/m);
  });

  test("exits 0 on a clean stack", () => {
    const file = tempFile("clean.stack.json", cleanFixture());
    const run = spawnSync("npx", ["tsx", "tools/policy.ts", file], {
      cwd: repoRoot,
      encoding: "utf8",
    });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      new RegExp(
        `^0 mandatory violations, 0 advisory violations, 0 undecidable; ${allPolicies.length} policies run over 6 resources\\.$`,
        "m",
      ),
    );
  });

  test("exits 0 with advisory lines when the config downgrades every policy", async () => {
    const config = tempFile("config.json", { all: "advisory" });
    const { code, out } = await runMain([fixtureFile, "--config", config]);
    assert.equal(code, 0);
    assert.ok(out.includes(`advisory acme-kms-key-enable-key-rotation ${BAD.key}: `));
  });

  test("exits 2 and names a missing file", async () => {
    const { code, err } = await runMain(["does-not-exist.json"]);
    assert.equal(code, 2);
    assert.match(err, /cannot read stack export does-not-exist\.json: no such file/);
  });

  test("exits 2 on a file that is not JSON", async () => {
    const file = tempFile("broken.json", "{ not json");
    const { code, err } = await runMain([file]);
    assert.equal(code, 2);
    assert.ok(err.includes(`stack export ${file} is not valid JSON`), err);
  });

  test("exits 2 on a document that is not a v3 export", async () => {
    const file = tempFile("old.json", { version: 2, deployment: { resources: [] } });
    const { code, err } = await runMain([file]);
    assert.equal(code, 2);
    assert.ok(err.includes(`${file}: the stack export has version 2; only version 3`), err);
  });

  test("exits 2 on a config that does not fit the pack", async () => {
    const config = tempFile("config.json", {
      "acme-kms-key-configure-deletion-window": { minimumDeletionWindowInDays: 40 },
    });
    const { code, err } = await runMain([fixtureFile, `--config=${config}`]);
    assert.equal(code, 2);
    assert.ok(
      err.includes("minimumDeletionWindowInDays must be at most 30, got 40"),
      `unexpected: ${err}`,
    );
  });

  test("exits 2 with the usage line on bad arguments", async () => {
    for (const argv of [[], ["a.json", "b.json"], ["a.json", "--strict"], ["a.json", "--config"]]) {
      const { code, err } = await runMain(argv);
      assert.equal(code, 2, argv.join(" "));
      assert.match(err, /usage: npm run policy -- \[--coverage\] <stack-export\.json>/);
    }
  });
});

describe("evaluateStackExport", () => {
  test("finds exactly the fixture's three violations", async () => {
    const result = await evaluateStackExport(fixture());
    assert.deepEqual(
      result.violations.map(({ policyName, urn, controls, enforcementLevel }) => ({
        policyName,
        urn,
        controls,
        enforcementLevel,
      })),
      EXPECTED.map((e) => ({ ...e, enforcementLevel: "mandatory" })),
    );
    assert.deepEqual(result.undecidable, []);
    assert.equal(result.policiesRun, allPolicies.length);
    assert.equal(result.resourcesChecked, 9);
  });

  test("decodes plaintext secrets and checks their values", async () => {
    const key = kmsKey("public", {
      policy: { [SIG]: SECRET, plaintext: JSON.stringify(PUBLIC_POLICY) },
    });
    const result = await evaluateStackExport(stackOf(key));
    assert.deepEqual(
      result.violations.map((v) => v.policyName),
      ["acme-kms-key-disallow-public-access"],
    );
  });

  test("treats an encrypted secret as undecidable, never as a violation", async () => {
    const key = kmsKey("sealed", { policy: { [SIG]: SECRET, ciphertext: "v1:abcd" } });
    const result = await evaluateStackExport(stackOf(key));
    assert.deepEqual(result.violations, []);
    const message =
      "value at .policy is an encrypted secret in the export; export with --show-secrets to check it";
    assert.deepEqual(result.undecidable, [
      { policyName: "acme-kms-key-disallow-public-access", urn: key.urn, message },
      { policyName: "acme-kms-key-disallow-wildcard-service-grants", urn: key.urn, message },
    ]);
  });

  test("treats unknown sentinels as undecidable, never as violations", async () => {
    const key = kmsKey("pending", { policy: UNKNOWN.string, enableKeyRotation: UNKNOWN.string });
    const result = await evaluateStackExport(stackOf(key));
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.undecidable.map((u) => u.policyName),
      [
        "acme-kms-key-enable-key-rotation",
        "acme-kms-key-disallow-public-access",
        "acme-kms-key-disallow-wildcard-service-grants",
      ],
    );
  });

  test("treats an output value without a value as unknown", async () => {
    const key = kmsKey("output", {
      enableKeyRotation: { [SIG]: "d0e6a833031e9bbcd3f4e8bde6ca49a4", dependencies: [] },
    });
    const result = await evaluateStackExport(stackOf(key));
    assert.deepEqual(result.violations, []);
    assert.equal(result.undecidable.length, 1);
  });

  test("skips resources being deleted or awaiting replacement, and read-only resources", async () => {
    const result = await evaluateStackExport(
      stackOf(
        { ...kmsKey("deleted", { enableKeyRotation: false }), delete: true },
        { ...kmsKey("replaced", { enableKeyRotation: false }), pendingReplacement: true },
        { ...kmsKey("read", { enableKeyRotation: false }), external: true },
      ),
    );
    assert.deepEqual(result.violations, []);
    assert.equal(result.resourcesChecked, 0);
  });

  test("gives resource policies the arguments CrossGuard gives them", async () => {
    const seen: ResourceValidationArgs[] = [];
    const provider = `${P}pulumi:providers:aws::eu`;
    const key: ExportResource = {
      ...kmsKey("spied", { description: "d" }),
      parent: `${P}pulumi:pulumi:Stack::acme-platform-dev`,
      provider: `${provider}::provider-id`,
      protect: true,
      retainOnDelete: true,
      ignoreChanges: ["tags"],
      dependencies: [provider],
      customTimeouts: { create: 600 },
    };
    const providerResource: ExportResource = {
      urn: provider,
      type: "pulumi:providers:aws",
      custom: true,
      id: "provider-id",
      inputs: { region: "eu-west-1" },
    };
    const policy = spyPolicy([(args) => void seen.push(args), (args) => void seen.push(args)], {
      configSchema: {
        properties: { threshold: { type: "integer", default: 3 }, label: { type: "string" } },
      },
    });
    await evaluateStackExport(stackOf(providerResource, key), {
      policies: [policy],
      config: { [policy.name]: { label: "x" } },
    });
    // Both validations of the array ran for both resources.
    assert.equal(seen.length, 4);
    const args = seen[2];
    assert.equal(args.type, "aws:kms/key:Key");
    assert.equal(args.urn, key.urn);
    assert.equal(args.name, "spied");
    assert.equal(args.props.description, "d");
    assert.deepEqual(args.opts, {
      protect: true,
      ignoreChanges: ["tags"],
      aliases: [],
      customTimeouts: { createSeconds: 600, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
      retainOnDelete: true,
      dependencies: [provider],
      parent: key.parent,
    });
    assert.equal(args.provider?.type, "pulumi:providers:aws");
    assert.equal(args.provider?.name, "eu");
    assert.equal(args.provider?.props.region, "eu-west-1");
    assert.deepEqual(args.getConfig(), { threshold: 3, label: "x" });
    assert.equal(args.stackTags.size, 0);
    const keyClass = withPulumiType({}, "aws:kms/key:Key") as Parameters<
      ResourceValidationArgs["isType"]
    >[0];
    assert.equal(args.isType(keyClass), true);
    assert.equal(args.asType(keyClass as never), args.props);
  });

  test("gives stack policies every resource's outputs, linked to parents and dependencies", async () => {
    let seen: StackValidationArgs | undefined;
    const key = kmsKey("stacked", {});
    key.outputs = { arn: "arn:aws:kms:us-east-1:111122223333:key/stacked" };
    const logGroup: ExportResource = {
      urn: `${P}aws:cloudwatch/logGroup:LogGroup::linked`,
      type: "aws:cloudwatch/logGroup:LogGroup",
      custom: true,
      inputs: {},
      outputs: {},
      parent: key.urn,
      dependencies: [key.urn],
      propertyDependencies: { kmsKeyId: [key.urn] },
    };
    const policy = {
      ...spyPolicy(undefined),
      validateResource: undefined,
      validateStack: (args: StackValidationArgs) => {
        seen = args;
      },
    } as AcmePolicy;
    await evaluateStackExport(stackOf(key, logGroup), { policies: [policy] });
    assert.ok(seen);
    const [keyResource, logResource] = seen.resources as PolicyResource[];
    assert.equal(keyResource.props.arn, "arn:aws:kms:us-east-1:111122223333:key/stacked");
    assert.equal(logResource.parent, keyResource);
    assert.deepEqual(logResource.dependencies, [keyResource]);
    assert.deepEqual(logResource.propertyDependencies, { kmsKeyId: [keyResource] });
    assert.equal(logResource.name, "linked");
  });

  test("applies enforcement levels from config", async () => {
    const key = kmsKey("unrotated", { enableKeyRotation: false });
    const downgraded = await evaluateStackExport(stackOf(key), {
      config: { all: "advisory", "acme-kms-key-enable-key-rotation": "remediate" },
    });
    // CrossGuard reports a violation that remediation did not fix as mandatory.
    assert.deepEqual(
      downgraded.violations.map((v) => v.enforcementLevel),
      ["mandatory"],
    );
    const disabled = await evaluateStackExport(stackOf(key), {
      config: { "acme-kms-key-enable-key-rotation": { enforcementLevel: "disabled" } },
    });
    assert.deepEqual(disabled.violations, []);
    assert.equal(disabled.policiesRun, allPolicies.length - 1);
  });

  test("rejects config for unknown policies or properties", async () => {
    await assert.rejects(
      evaluateStackExport(stackOf(), { config: { "acme-nope": "advisory" } }),
      (e: unknown) =>
        e instanceof PolicyConfigError && e.message.includes('"acme-nope" is not a policy'),
    );
    await assert.rejects(
      evaluateStackExport(stackOf(), {
        config: { "acme-kms-key-configure-deletion-window": { minimumDays: 7 } },
      }),
      (e: unknown) => e instanceof PolicyConfigError && e.message.includes("minimumDays"),
    );
  });

  test("rejects documents that are not v3 stack exports", async () => {
    for (const doc of [null, { version: 3 }, { version: 3, deployment: { resources: [{}] } }]) {
      await assert.rejects(evaluateStackExport(doc), StackExportError);
    }
  });

  test("reports an empty message as the policy description", async () => {
    const policy = spyPolicy((_args, report) => report(""));
    const result = await evaluateStackExport(stackOf(kmsKey("k", {})), { policies: [policy] });
    assert.deepEqual(
      result.violations.map((v) => v.message),
      ["Records its arguments."],
    );
  });

  test("fails loudly when a rule crashes", async () => {
    const policy = spyPolicy(() => {
      throw new TypeError("boom");
    });
    await assert.rejects(
      evaluateStackExport(stackOf(kmsKey("k", {})), { policies: [policy] }),
      (e: unknown) => e instanceof PolicyRunError && e.message.includes("boom"),
    );
  });
});

describe("npm run policy on the messaging fixture", () => {
  test("exits 1 naming the SSE-SQS queue, the queue without a DLQ and the TLS_PLAINTEXT cluster", () => {
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", "tools/policy.ts", "tools/fixtures/messaging-violations.stack.json"],
      { cwd: path.resolve(__dirname, ".."), encoding: "utf8" },
    );
    assert.equal(run.status, 1, run.stdout + run.stderr);
    const P = "urn:pulumi:dev::acme-platform::";
    const reported = run.stdout
      .split("\n")
      .filter((line) => line.startsWith("mandatory "))
      .map((line) => line.split(" ").slice(1, 3).join(" ").replace(/:$/, ""))
      .sort();
    assert.deepEqual(reported, [
      `acme-msk-cluster-enforce-client-broker-tls ${P}aws:msk/cluster:Cluster::events-plaintext`,
      `acme-sqs-queue-enforce-cmk-encryption ${P}aws:sqs/queue:Queue::legacy-sse-sqs`,
      `acme-sqs-queue-missing-dead-letter-queue ${P}aws:sqs/queue:Queue::orphan-no-dlq`,
    ]);
  });
});
