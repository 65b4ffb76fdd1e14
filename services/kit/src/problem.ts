/**
 * Problem details (RFC 9457): every error a service answers is `application/problem+json` with a
 * stable `type` URI per kind of problem, and validation problems list each field.
 */

/** The media type of every error answer. */
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

const PROBLEM_BASE = "https://contracts.acme.example/problems/";

/** One offending field: a JSON Pointer into the body, a header name or a path parameter. */
export interface FieldError {
  detail: string;
  pointer?: string;
  header?: string;
  parameter?: string;
}

/** A problem details document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
}

/** The kinds of problem the services answer, with their status and title. */
export const PROBLEMS = {
  validation: { status: 400, title: "The request is invalid" },
  "not-found": { status: 404, title: "Not found" },
  "method-not-allowed": { status: 405, title: "Method not allowed" },
  "in-progress": { status: 409, title: "A request with this idempotency key is in progress" },
  "payload-too-large": { status: 413, title: "The request body is too large" },
  "unsupported-media-type": { status: 415, title: "Unsupported media type" },
  "idempotency-key-reused": {
    status: 422,
    title: "The idempotency key was used with a different request",
  },
  "too-many-requests": { status: 429, title: "Too many requests" },
  internal: { status: 500, title: "Internal error" },
  "dependency-unavailable": { status: 503, title: "A dependency is unavailable" },
  "not-ready": { status: 503, title: "Not ready" },
} as const;
export type ProblemKind = keyof typeof PROBLEMS;

/** Builds a problem of a kind. */
export function problem(
  kind: ProblemKind,
  fields: { detail?: string; instance?: string; errors?: FieldError[] } = {},
): Problem {
  const { status, title } = PROBLEMS[kind];
  return { type: `${PROBLEM_BASE}${kind}`, title, status, ...fields };
}
