import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { listMessageContracts, MESSAGE_CONTRACTS_DIR, messageContract, validateMessage } from ".";

/** An invalid example names the field that must be reported. */
interface InvalidExample {
  description: string;
  expectedErrorField: string;
  message: unknown;
}

const examplesOf = (name: string, kind: "valid" | "invalid") => {
  const dir = path.join(MESSAGE_CONTRACTS_DIR, "examples", name, kind);
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .map((f) => path.join(dir, f))
    : [];
};
const read = (file: string): unknown => JSON.parse(fs.readFileSync(file, "utf8"));

describe("message contracts", () => {
  it("every contract has a $id, a version, and valid and invalid examples", () => {
    for (const name of listMessageContracts()) {
      const contract = messageContract(name);
      assert.match(contract.version, /^\d+\.\d+\.\d+$/, name);
      assert.ok(examplesOf(name, "valid").length >= 1, `${name} has valid examples`);
      assert.ok(examplesOf(name, "invalid").length >= 1, `${name} has invalid examples`);
    }
  });

  for (const name of listMessageContracts()) {
    for (const file of examplesOf(name, "valid")) {
      it(`${name}: ${path.basename(file)} is valid`, () => {
        assert.deepEqual(validateMessage(name, read(file)), []);
      });
    }
    for (const file of examplesOf(name, "invalid")) {
      it(`${name}: ${path.basename(file)} is rejected naming its field`, () => {
        const example = read(file) as InvalidExample;
        const fields = validateMessage(name, example.message).map((e) => e.field);
        assert.ok(
          fields.includes(example.expectedErrorField),
          `${example.description}: expected ${example.expectedErrorField} among ${JSON.stringify(fields)}`,
        );
      });
    }
  }

  it("names a missing contract and its expected file", () => {
    assert.throws(
      () => messageContract("no-such-thing"),
      /create contracts\/messages\/no-such-thing\.schema\.json/,
    );
  });
});
