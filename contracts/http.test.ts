import * as assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { bundle, lint, loadConfig } from "@redocly/openapi-core";
import { CONTRACTS_DIR, dereferencedHttpContract, httpContractFile, messageContract } from ".";
import { parse } from "yaml";
import * as fs from "node:fs";

const CONFIG = path.join(CONTRACTS_DIR, "redocly.yaml");
const HTTP_CONTRACTS = fs
  .readdirSync(path.join(CONTRACTS_DIR, "http"))
  .filter((f) => f.endsWith(".openapi.yaml"))
  .map((f) => f.slice(0, -".openapi.yaml".length));

type Operation = {
  operationId?: string;
  parameters?: { example?: unknown; examples?: unknown }[];
  requestBody?: { content: Record<string, { example?: unknown; examples?: unknown }> };
};
const METHODS = ["get", "put", "post", "delete", "patch"] as const;

function operations(doc: Record<string, unknown>): [string, Operation][] {
  const paths = doc.paths as Record<string, Record<string, Operation>>;
  return Object.entries(paths).flatMap(([p, item]) =>
    METHODS.filter((m) => item[m]).map((m): [string, Operation] => [`${m} ${p}`, item[m]]),
  );
}

describe("HTTP contracts", () => {
  it("there is one, for Service A", () => {
    assert.deepEqual(HTTP_CONTRACTS, ["service-a"]);
  });

  for (const name of HTTP_CONTRACTS) {
    const file = httpContractFile(name);

    it(`${name}: is OpenAPI 3.0.3, the version API Gateway imports`, () => {
      assert.equal((parse(fs.readFileSync(file, "utf8")) as { openapi: string }).openapi, "3.0.3");
    });

    it(`${name}: passes redocly lint (recommended-strict), with only the exceptions on file`, async () => {
      const config = await loadConfig({ configPath: CONFIG });
      const problems = await lint({ ref: file, config });
      const open = problems.filter((p) => !p.ignored);
      assert.deepEqual(
        open.map((p) => `${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`),
        [],
      );
      // Every exception on file still matches a problem, so none outlives its reason.
      const ignored = new Set(problems.filter((p) => p.ignored).map((p) => p.location[0]?.pointer));
      const onFile = parse(
        fs.readFileSync(path.join(CONTRACTS_DIR, ".redocly.lint-ignore.yaml"), "utf8"),
      ) as Record<string, Record<string, string[]>>;
      for (const rules of Object.values(onFile)) {
        for (const pointers of Object.values(rules)) {
          for (const pointer of pointers)
            assert.ok(ignored.has(pointer), `stale exception ${pointer}`);
        }
      }
    });

    it(`${name}: dereferences to what redocly's own bundler produces`, async () => {
      const config = await loadConfig({ configPath: CONFIG });
      const { bundle: bundled } = await bundle({ ref: file, config, dereference: true });
      const expected = JSON.parse(JSON.stringify(bundled.parsed)) as {
        components: { schemas: Record<string, unknown> };
      };
      // The bundler also hoists each external schema into components.schemas under its own name;
      // everything the document itself declares must come out the same.
      const own = parse(fs.readFileSync(file, "utf8")) as { components: { schemas: object } };
      for (const hoisted of Object.keys(expected.components.schemas)) {
        if (!(hoisted in own.components.schemas)) delete expected.components.schemas[hoisted];
      }
      assert.deepEqual(dereferencedHttpContract(name), expected);
    });

    it(`${name}: every operation has an operationId and at least one request example`, () => {
      const doc = parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
      const ops = operations(doc);
      assert.ok(ops.length >= 1);
      for (const [where, op] of ops) {
        assert.ok(op.operationId, `${where} has an operationId`);
        const bodyExamples = Object.values(op.requestBody?.content ?? {}).some(
          (c) => c.example !== undefined || c.examples !== undefined,
        );
        const paramExamples = (op.parameters ?? []).some(
          (p) => !("$ref" in p) && (p.example !== undefined || p.examples !== undefined),
        );
        assert.ok(bodyExamples || paramExamples, `${where} carries a request example`);
      }
    });
  }

  it("service-a: what the work queue also carries is referenced from the message contract, not copied", () => {
    const messageSchema = JSON.parse(
      fs.readFileSync(
        path.join(
          CONTRACTS_DIR,
          messageContract("workflow-request").file.replace(/^contracts\//, ""),
        ),
        "utf8",
      ),
    ) as { $defs: Record<string, unknown> };
    const text = fs.readFileSync(httpContractFile("service-a"), "utf8");
    const raw = parse(text) as Record<string, unknown>;
    // Walk the raw document: no inline schema may equal one of the message contract's definitions.
    const copies: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (!node || typeof node !== "object") return;
      for (const [defName, def] of Object.entries(messageSchema.$defs)) {
        if (JSON.stringify(node) === JSON.stringify(def))
          copies.push(`${at} copies $defs/${defName}`);
      }
      for (const [k, v] of Object.entries(node)) walk(v, `${at}/${k}`);
    };
    walk(raw, "#");
    assert.deepEqual(copies, []);
    for (const def of [
      "requestId",
      "workflowTemplate",
      "parameters",
      "priority",
      "idempotencyKey",
      "requestedBy",
    ]) {
      assert.ok(
        text.includes(`../messages/workflow-request.schema.json#/$defs/${def}`),
        `the HTTP contract references $defs/${def}`,
      );
    }
  });
});
