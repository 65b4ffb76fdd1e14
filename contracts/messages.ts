/**
 * Message contracts: the JSON Schemas under contracts/messages/ that every queue and topic carries.
 * Components reference a contract by name (the queue or topic is tagged with it); producers and
 * consumers validate with validateMessage, and tests validate the examples beside each schema
 * with it too.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { CONTRACTS_DIR } from "./locate";

/** Where the message schemas live. */
export const MESSAGE_CONTRACTS_DIR = path.join(CONTRACTS_DIR, "messages");

const ENVELOPE = "envelope";

/** A message contract: its name, schema file and `$id`. */
export interface MessageContract {
  /** File stem under contracts/messages/, e.g. `workflow-request`. */
  name: string;
  /** The schema's `$id`. */
  id: string;
  /** The schema's `version` annotation (semver), bumped on every change. */
  version: string;
  /** Path of the schema file, relative to the repository root. */
  file: string;
}

/** One validation problem, with the field it concerns as a JSON Pointer. */
export interface MessageError {
  field: string;
  message: string;
}

function schemaPath(name: string): string {
  return path.join(MESSAGE_CONTRACTS_DIR, `${name}.schema.json`);
}

/** Every contract name (schema files other than the shared envelope). */
export function listMessageContracts(): string[] {
  return fs
    .readdirSync(MESSAGE_CONTRACTS_DIR)
    .filter((f) => f.endsWith(".schema.json"))
    .map((f) => f.slice(0, -".schema.json".length))
    .filter((n) => n !== ENVELOPE)
    .sort();
}

function readSchema(name: string): Record<string, unknown> {
  const file = schemaPath(name);
  if (!fs.existsSync(file)) {
    throw new Error(
      `message contract "${name}" not found: create contracts/messages/${name}.schema.json (known: ${listMessageContracts().join(", ")})`,
    );
  }
  return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
}

/** Looks a contract up by name; throws naming the missing file. */
export function messageContract(name: string): MessageContract {
  const schema = readSchema(name);
  if (typeof schema.$id !== "string" || typeof schema.version !== "string") {
    throw new Error(`contracts/messages/${name}.schema.json needs a string "$id" and "version"`);
  }
  return {
    name,
    id: schema.$id,
    version: schema.version,
    file: path.relative(path.dirname(CONTRACTS_DIR), schemaPath(name)),
  };
}

let ajv: Ajv2020 | undefined;
const validators = new Map<string, ValidateFunction>();

function validatorFor(name: string): ValidateFunction {
  if (!ajv) {
    ajv = new Ajv2020({ allErrors: true, strict: true });
    // `version` is our annotation on each schema; declare it so strict mode accepts it.
    ajv.addKeyword({ keyword: "version", schemaType: "string" });
    addFormats(ajv);
    // Every schema is registered under its $id, so contracts may reference each other's $defs.
    for (const other of [ENVELOPE, ...listMessageContracts()]) ajv.addSchema(readSchema(other));
  }
  let validate = validators.get(name);
  if (!validate) {
    const compiled = ajv.getSchema(messageContract(name).id);
    if (!compiled) throw new Error(`message contract "${name}" did not compile`);
    validate = compiled;
    validators.set(name, validate);
  }
  return validate;
}

/** Validates a message against a contract; each error names the field as a JSON Pointer. */
export function validateMessage(name: string, message: unknown): MessageError[] {
  const validate = validatorFor(name);
  if (validate(message)) return [];
  return (validate.errors ?? []).map((e) => {
    const missing = e.keyword === "required" ? `/${String(e.params.missingProperty)}` : "";
    const extra =
      e.keyword === "additionalProperties" ? `/${String(e.params.additionalProperty)}` : "";
    return { field: `${e.instancePath}${missing}${extra}` || "/", message: e.message ?? e.keyword };
  });
}

/**
 * The W3C `traceparent` form messages carry, read from the envelope schema (its one definition),
 * for consumers that must check a value outside a whole-message validation.
 */
export const TRACEPARENT_PATTERN = new RegExp(
  (readSchema(ENVELOPE) as { properties: { traceparent: { pattern: string } } }).properties
    .traceparent.pattern,
);
