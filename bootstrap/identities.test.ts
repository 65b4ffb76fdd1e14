import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CI_ENVIRONMENTS,
  ciRoleName,
  ciRoleSubjects,
  hasDeployRole,
  oidcSubject,
  validateGithubRepository,
  type GithubRepository,
} from "./identities";

const legacy: GithubRepository = { owner: "acme", name: "platform", subjectFormat: "legacy" };
const immutable: GithubRepository = {
  owner: "acme",
  name: "platform",
  subjectFormat: "immutable",
  ownerId: 123456,
  repoId: 456789,
};

describe("CI identities", () => {
  it("names the roles acme-platform-<env>-<kind>", () => {
    assert.deepEqual(
      CI_ENVIRONMENTS.map((env) => ciRoleName(env, "preview")),
      ["acme-platform-dev-preview", "acme-platform-staging-preview", "acme-platform-prod-preview"],
    );
    assert.equal(ciRoleName("dev", "deploy"), "acme-platform-dev-deploy");
  });

  it("gives a deploy role to dev only: staging and prod deploy on the in-VPC deployer", () => {
    assert.deepEqual(CI_ENVIRONMENTS.filter(hasDeployRole), ["dev"]);
  });

  it("spells subjects in the legacy and the immutable (post 15 July 2026) formats", () => {
    assert.equal(oidcSubject(legacy, { kind: "pull_request" }), "repo:acme/platform:pull_request");
    assert.equal(
      oidcSubject(immutable, { kind: "ref", ref: "refs/heads/main" }),
      "repo:acme@123456/platform@456789:ref:refs/heads/main",
    );
    assert.equal(
      oidcSubject(immutable, { kind: "environment", environment: "dev" }),
      "repo:acme@123456/platform@456789:environment:dev",
    );
  });

  it("trusts pull requests and main for preview, the environment alone for deploy", () => {
    assert.deepEqual(ciRoleSubjects(legacy, "prod", "preview"), [
      "repo:acme/platform:pull_request",
      "repo:acme/platform:ref:refs/heads/main",
    ]);
    assert.deepEqual(ciRoleSubjects(legacy, "dev", "deploy"), [
      "repo:acme/platform:environment:dev",
    ]);
  });

  it("refuses IDs with the legacy format, missing IDs with the immutable one, and bad names", () => {
    assert.deepEqual(
      validateGithubRepository({ ...legacy, ownerId: 1 }).map((e) => e.field),
      ["ownerId"],
    );
    assert.deepEqual(
      validateGithubRepository({ ...immutable, repoId: undefined }).map((e) => e.field),
      ["repoId"],
    );
    assert.deepEqual(
      validateGithubRepository({ ...immutable, ownerId: 1.5 }).map((e) => e.field),
      ["ownerId"],
    );
    assert.deepEqual(
      validateGithubRepository({ ...legacy, owner: "-acme", name: ".." }).map((e) => e.field),
      ["owner", "name"],
    );
    assert.deepEqual(validateGithubRepository({ ...legacy, owner: "a".repeat(39) }), []);
    assert.throws(
      () => oidcSubject({ ...legacy, owner: "acme/evil" }, { kind: "pull_request" }),
      /owner: "acme\/evil" is not a GitHub user or organisation name/,
    );
  });
});
