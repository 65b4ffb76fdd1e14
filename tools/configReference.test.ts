import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { describe, it } from "node:test";
import { z } from "zod";
import { stackConfigSchema } from "../config";
import {
  describeType,
  formattedReference,
  readStacks,
  REFERENCE_FILE,
  renderReference,
} from "./configReference";

/** The table row of `key` in rendered Markdown, split into trimmed cells. */
function rowOf(markdown: string, key: string): string[] {
  const line = markdown.split("\n").find((l) => l.startsWith(`| \`${key}\` `));
  assert.ok(line, `no row for ${key}`);
  return line
    .split(/(?<!\\)\|/)
    .slice(1, -1)
    .map((c) => c.trim());
}

describe("configuration reference (docs/configuration.md)", () => {
  it("is what `npm run docs:config` writes from config.ts and the stack files", async () => {
    const expected = await formattedReference();
    const committed = fs.readFileSync(REFERENCE_FILE, "utf8");
    assert.ok(
      committed === expected,
      "docs/configuration.md is stale: run `npm run docs:config` and commit the result",
    );
  });

  it("has a row for every key of the schema, with its type, default and each stack's value", () => {
    const markdown = renderReference();
    assert.deepEqual(rowOf(markdown, "network.azCount"), [
      "`network.azCount`",
      "integer 2 to 4",
      "required",
      "`2`",
      "`3`",
      "`3`",
      "Availability zones to spread subnets over (2 to 4; 3 for production).",
    ]);
    assert.deepEqual(rowOf(markdown, "cluster.supportType").slice(1, 6), [
      "`STANDARD` or `EXTENDED`",
      "`STANDARD`",
      "`STANDARD`",
      "`STANDARD`",
      "`EXTENDED`",
    ]);
    // A map of named entries shows each entry by name; prod has two node groups.
    assert.equal(
      rowOf(markdown, "cluster.nodeGroups.<name>.desiredSize")[5],
      "system: `3`; workers: `6`",
    );
    // aws:region keeps its namespace; thresholds take their defaults from the typed constant.
    assert.equal(rowOf(markdown, "aws:region")[3], "`eu-west-1`");
    assert.deepEqual(
      rowOf(markdown, "observability.alerting.thresholds.sqs.oldestMessageAgeSeconds").slice(2, 6),
      ["`900`", "`3600`", "–", "–"],
    );
  });

  it("describes every key in the schema itself (threshold fields: AlertThresholds)", () => {
    const undocumented = renderReference()
      .split("\n")
      .filter((l) => l.startsWith("| `") && !l.includes("thresholds."))
      .map((l) => l.split(/(?<!\\)\|/).slice(1, -1))
      .filter((cells) => cells.at(-1)!.trim() === "" && !cells[1].includes("section"))
      .map((cells) => cells[0].trim());
    // Add-on pins are described once, on `cluster.addons`.
    assert.deepEqual(
      undocumented.filter((k) => !k.startsWith("`cluster.addons.")),
      [],
      "add .describe() to these schema fields in config.ts",
    );
  });

  it("shows a stack's own values and marks secrets, whatever the committed files hold", () => {
    const [dev] = readStacks();
    const stack = {
      name: "qa",
      values: { ...dev.values, network: { cidr: "10.99.0.0/16" }, slackWebhookUrl: "x" },
      secret: new Set(["slackWebhookUrl"]),
    };
    const markdown = renderReference([stack]);
    assert.equal(rowOf(markdown, "network.cidr")[3], "`10.99.0.0/16`");
    assert.equal(rowOf(markdown, "network.azCount")[3], "–");
    assert.equal(rowOf(markdown, "slackWebhookUrl")[3], "secret");
    assert.match(markdown, /\| Key +\| Type +\| Default +\| qa +\| Description +\|/);
  });

  it("renders types and constraints from the JSON Schema", () => {
    const type = (schema: z.ZodType) =>
      describeType(z.toJSONSchema(schema, { io: "input" }) as Parameters<typeof describeType>[0]);
    assert.equal(type(z.number().int().min(2).max(4)), "integer 2 to 4");
    assert.equal(type(z.number().gt(0).max(100)), "number > 0, <= 100");
    assert.equal(type(z.enum(["a", "b"])), "`a` or `b`");
    assert.equal(type(z.array(z.string()).min(1).max(5)), "list of string (at least 1, at most 5)");
    assert.equal(type(z.string().regex(/^x$/)), "string matching `^x$`");
    assert.equal(type(z.string().meta({ form: "a CIDR" })), "a CIDR");
    assert.equal(
      type(z.strictObject({ type: z.literal("sns"), topicArn: z.string() })),
      "`{ type: sns, topicArn }`",
    );
  });

  it("covers every top-level key of the schema", () => {
    const markdown = renderReference();
    for (const key of Object.keys(stackConfigSchema.shape)) {
      const shown = key === "region" ? "aws:region" : key;
      assert.ok(markdown.includes(`\`${shown}\``), `${shown} is missing`);
    }
  });
});
