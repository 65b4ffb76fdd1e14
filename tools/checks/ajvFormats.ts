/**
 * The string formats the offline checks validate, in one module the cached standalone validators
 * (./checkCache.ts) require by path. CRDs: ajv-formats' full set, Go durations for
 * `format: duration` (metav1.Duration), and the OpenAPI numeric and int-or-string formats, which
 * the API server does not check as strings (accepted as-is, per CATALOG.md).
 */
import { fullFormats } from "ajv-formats/dist/formats";

import { GO_DURATION } from "../../components/lib/validators";

/** A Go `time.Duration` string, as `metav1.Duration` parses it (defined in components/lib). */
export { GO_DURATION };

/** Formats of the CRD schemas. */
export const CRD_FORMATS = {
  ...fullFormats,
  duration: GO_DURATION,
  ...Object.fromEntries(
    ["int32", "int64", "float", "double", "byte", "int-or-string", "int64-or-string"].map((f) => [
      f,
      true as const,
    ]),
  ),
};

/** Formats of the charts' values.schema.json files. */
export const VALUES_FORMATS = fullFormats;

/** This module's path, for the generated code's `require`. */
export const AJV_FORMATS_MODULE = __filename;
