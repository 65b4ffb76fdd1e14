/**
 * HTTP contracts: the OpenAPI 3.0.3 documents under contracts/http/. A document may reference
 * schemas in contracts/messages/ (`$ref: ../messages/x.schema.json#/$defs/y`) so that what the
 * API accepts and what it puts on a queue are one definition. Services validate requests against
 * the dereferenced document; API Gateway imports the same document bundled.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { CONTRACTS_DIR } from "./locate";

/** Where the HTTP contracts live. */
export const HTTP_CONTRACTS_DIR = path.join(CONTRACTS_DIR, "http");

/** The file of an HTTP contract, e.g. `service-a` -> contracts/http/service-a.openapi.yaml. */
export function httpContractFile(name: string): string {
  const file = path.join(HTTP_CONTRACTS_DIR, `${name}.openapi.yaml`);
  if (!fs.existsSync(file)) {
    throw new Error(
      `HTTP contract "${name}" not found: create contracts/http/${name}.openapi.yaml`,
    );
  }
  return file;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const documents = new Map<string, Json>();

function load(file: string): Json {
  let doc = documents.get(file);
  if (doc === undefined) {
    const text = fs.readFileSync(file, "utf8");
    doc = (file.endsWith(".json") ? JSON.parse(text) : parse(text)) as Json;
    documents.set(file, doc);
  }
  return doc;
}

function pointerGet(doc: Json, pointer: string, where: string): Json {
  let node = doc;
  for (const raw of pointer.split("/").slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (node === null || typeof node !== "object" || !(key in node)) {
      throw new Error(`${where}: $ref target ${pointer} does not exist`);
    }
    node = (node as Record<string, Json>)[key];
  }
  return node;
}

function deref(node: Json, file: string, trail: string[]): Json {
  if (Array.isArray(node)) return node.map((n) => deref(n, file, trail));
  if (node === null || typeof node !== "object") return node;
  const ref = node.$ref;
  if (typeof ref === "string") {
    const [target, pointer = ""] = ref.split("#");
    const targetFile = target ? path.resolve(path.dirname(file), target) : file;
    const id = `${targetFile}#${pointer}`;
    if (trail.includes(id)) throw new Error(`${file}: circular $ref ${ref}`);
    const where = `${path.relative(CONTRACTS_DIR, file)} ($ref ${ref})`;
    return deref(pointerGet(load(targetFile), pointer, where), targetFile, [...trail, id]);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, deref(v, file, trail)]));
}

/**
 * The HTTP contract with every `$ref` replaced by its target, across files. Contracts have no
 * recursive schemas, so the result is a plain tree (a cycle is reported as an error).
 */
export function dereferencedHttpContract(name: string): Record<string, unknown> {
  const file = httpContractFile(name);
  return deref(load(file), file, []) as Record<string, unknown>;
}
