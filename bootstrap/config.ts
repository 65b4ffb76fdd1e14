/**
 * The bootstrap stack's configuration schema: the only reader of `pulumi.Config` in bootstrap/.
 * Every problem is reported at once, each naming its full key and the fix, before any resource
 * registers (the same contract as the main project's config.ts, whose ConfigError it reuses).
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ConfigError, type ConfigIssue } from "../config";
import { isAwsRegion } from "../components/lib/validators";
import {
  CI_ENVIRONMENTS,
  SUBJECT_FORMATS,
  validateGithubRepository,
  type GithubRepository,
} from "./identities";

/** The bootstrap project's name and config namespace (bootstrap/Pulumi.yaml). */
export const BOOTSTRAP_PROJECT = "acme-bootstrap";

/** An S3 bucket name (general purpose, no dots: virtual-hosted TLS breaks on dotted names). */
const S3_BUCKET_NAME = /^(?!xn--)(?!sthree-)(?!.*-s3alias$)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
/** A KMS alias: `alias/` and letters, digits, `/_-`, not in the reserved `alias/aws/` space. */
const KMS_ALIAS = /^alias\/(?!aws\/)[A-Za-z0-9/_-]{1,250}$/;

const days = (max: number) => z.number().int().min(1).max(max);

const schema = z
  .object({
    region: z.string().refine(isAwsRegion, "is not an AWS Region code; use the form eu-west-1"),
    github: z
      .object({
        /** The repository's owner (user or organisation). */
        owner: z.string(),
        /** The repository's name. */
        repository: z.string(),
        /**
         * `legacy` (`repo:<owner>/<repo>:...`) or `immutable` (`repo:<owner>@<ownerId>/<repo>@<repoId>:...`,
         * repositories created or renamed on or after 15 July 2026). Default: `immutable` when
         * both IDs are set, `legacy` when neither is.
         */
        subjectFormat: z.enum(SUBJECT_FORMATS).optional(),
        ownerId: z.number().optional(),
        repoId: z.number().optional(),
      })
      .strict(),
    /** The environments (main-project stacks) whose CI roles this account holds. */
    environments: z
      .array(z.enum(CI_ENVIRONMENTS))
      .min(1)
      .refine((e) => new Set(e).size === e.length, "lists an environment twice"),
    stateBucket: z
      .object({
        /** The bucket's physical (global) name: the backend URL is `s3://<name>?region=<region>`. */
        name: z
          .string()
          .regex(
            S3_BUCKET_NAME,
            "must be 3-63 lower-case letters, digits and '-', starting and ending with a letter or digit (no dots)",
          ),
        /** Days an overwritten or deleted state version is kept (how far back a state can be restored). */
        noncurrentVersionExpirationDays: days(3650).default(90),
        /** Noncurrent versions kept regardless of age (the last N checkpoints of each object). */
        newerNoncurrentVersions: z.number().int().min(1).max(100).default(10),
        /** Days after which an unfinished multipart upload is aborted. */
        abortIncompleteMultipartUploadDays: days(365).default(7),
      })
      .strict(),
    secretsKeyAlias: z
      .string()
      .regex(KMS_ALIAS, "must be alias/<name> (letters, digits, '/', '_', '-'), not alias/aws/...")
      .default("alias/pulumi-secrets"),
    /** KMS keys' waiting period before deletion (7-30 days). */
    keyDeletionWindowInDays: z.number().int().min(7).max(30).default(30),
    /**
     * The dev deploy role's Kafka data-plane scope: the main stack's MSK cluster name
     * (`acme-<environment>-events` in index.ts).
     */
    devKafkaClusterName: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/, "must be an MSK cluster name (letters, digits, '-')")
      .default("acme-dev-events"),
  })
  .strict();

/** The validated bootstrap configuration. */
export type BootstrapConfig = Omit<z.infer<typeof schema>, "github"> & {
  github: GithubRepository;
};

function keyFor(path: PropertyKey[]): string {
  const [head, ...rest] = path.map(String);
  const base = head === "region" ? "aws:region" : `${BOOTSTRAP_PROJECT}:${head ?? ""}`;
  return rest.length ? `${base}.${rest.join(".")}` : base;
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Resolves the subject format from the config's `github` section; issues name the key. */
function githubRepository(
  github: z.infer<typeof schema>["github"],
  issues: ConfigIssue[],
): GithubRepository {
  const hasIds = github.ownerId !== undefined || github.repoId !== undefined;
  const subjectFormat = github.subjectFormat ?? (hasIds ? "immutable" : "legacy");
  const repo: GithubRepository = {
    owner: github.owner,
    name: github.repository,
    subjectFormat,
    ...(github.ownerId !== undefined ? { ownerId: github.ownerId } : {}),
    ...(github.repoId !== undefined ? { repoId: github.repoId } : {}),
  };
  const field = { owner: "owner", name: "repository", ownerId: "ownerId", repoId: "repoId" };
  for (const e of validateGithubRepository(repo)) {
    if (e.field === "subjectFormat") continue;
    issues.push({ key: keyFor(["github", field[e.field]]), message: e.reason });
  }
  return repo;
}

/**
 * Parses the raw configuration map (`namespace:key` -> string, as `pulumi.runtime.allConfig()`
 * gives it) into a {@link BootstrapConfig}; throws a {@link ConfigError} listing every problem.
 */
export function parseBootstrapConfig(raw: Record<string, string>): BootstrapConfig {
  const issues: ConfigIssue[] = [];
  const input: Record<string, unknown> = {};
  const keys = Object.keys(schema.shape);
  for (const [fullKey, value] of Object.entries(raw)) {
    if (fullKey === "aws:region") {
      input.region = value;
      continue;
    }
    const [namespace, key] = fullKey.split(":", 2);
    if (namespace !== BOOTSTRAP_PROJECT || key === undefined) continue;
    if (!keys.includes(key) || key === "region") {
      issues.push({
        key: fullKey,
        message: `unknown key; valid keys: ${keys
          .filter((k) => k !== "region")
          .map((k) => `${BOOTSTRAP_PROJECT}:${k}`)
          .join(", ")}`,
      });
      continue;
    }
    input[key] = parseValue(value);
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const k of issue.keys)
          issues.push({ key: keyFor([...issue.path, k]), message: "unknown key; remove it" });
      } else if (issue.code === "invalid_type" && issue.input === undefined) {
        issues.push({
          key: keyFor(issue.path),
          message: `is required (${issue.message}); set it in bootstrap/Pulumi.<stack>.yaml`,
        });
      } else {
        issues.push({ key: keyFor(issue.path), message: issue.message });
      }
    }
    throw new ConfigError(issues.sort((a, b) => a.key.localeCompare(b.key)));
  }
  const github = githubRepository(result.data.github, issues);
  if (issues.length > 0) throw new ConfigError(issues.sort((a, b) => a.key.localeCompare(b.key)));
  return { ...result.data, github };
}

/** Reads and validates the live bootstrap stack configuration. */
export function loadBootstrapConfig(): BootstrapConfig {
  return parseBootstrapConfig(pulumi.runtime.allConfig());
}
