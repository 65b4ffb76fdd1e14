/**
 * Service configuration from environment variables. Each variable is declared once, with its
 * parser, default and documentation; `readEnv` parses them all and reports every problem in one
 * error that names each variable and what it accepts, and `envTable` renders the same
 * declarations as the README's reference table, so the docs cannot drift from the code.
 */
import { z } from "zod";

/** One environment variable. */
export interface EnvVar<T> {
  /** The variable's name, e.g. `PORT`. */
  name: string;
  /** What it does and what it accepts, for the README. */
  doc: string;
  /** Parses the raw value; the default applies when the variable is unset or empty. */
  schema: z.ZodType<T>;
  /** Used when the variable is unset; `undefined` makes the variable required. */
  default?: T;
  /** True when the value is optional and has no default (the result may be undefined). */
  optional?: boolean;
}

type Spec = Record<string, EnvVar<unknown>>;
/** The parsed configuration of a spec. */
export type EnvConfig<S extends Spec> = {
  [K in keyof S]: S[K] extends EnvVar<infer T>
    ? S[K]["optional"] extends true
      ? T | undefined
      : T
    : never;
};

/** Declares a variable (keeps the value type inferred from the schema). */
export function envVar<T>(
  name: string,
  schema: z.ZodType<T>,
  options: { doc: string; default?: T; optional?: boolean },
): EnvVar<T> {
  return { name, schema, ...options };
}

/** Raised when the environment is invalid; lists every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses every variable of a spec from `env`; throws one ConfigError naming each problem. */
export function readEnv<S extends Spec>(
  spec: S,
  env: NodeJS.ProcessEnv = process.env,
): EnvConfig<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, v] of Object.entries(spec)) {
    const raw = env[v.name];
    if (raw === undefined || raw === "") {
      if (v.default !== undefined) out[key] = v.default;
      else if (!v.optional) problems.push(`${v.name} is required: ${v.doc}`);
      continue;
    }
    const parsed = v.schema.safeParse(raw);
    if (parsed.success) out[key] = parsed.data;
    else {
      const why = parsed.error.issues.map((i) => i.message).join("; ");
      problems.push(`${v.name}=${JSON.stringify(raw)} is invalid (${why}): ${v.doc}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as EnvConfig<S>;
}

/** The spec as a Markdown table (variable, default, meaning). */
export function envTable(spec: Spec): string {
  const rows = Object.values(spec).map((v) => {
    const dflt =
      v.default !== undefined ? `\`${String(v.default)}\`` : v.optional ? "unset" : "required";
    return `| \`${v.name}\` | ${dflt} | ${v.doc.replace(/\|/g, "\\|")} |`;
  });
  return ["| Variable | Default | Meaning |", "| --- | --- | --- |", ...rows].join("\n");
}

/** Common parsers. */
export const parse = {
  /** A whole number within [min, max]. */
  int: (min: number, max: number) => z.coerce.number().int().min(min).max(max),
  /** A number within [min, max]. */
  number: (min: number, max: number) => z.coerce.number().min(min).max(max),
  /** `true` or `false` (also 1/0, yes/no, on/off). */
  bool: () => z.stringbool(),
  /** One of the given words. */
  oneOf: <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values),
  /** An absolute http(s) URL. */
  url: () => z.url({ protocol: /^https?$/ }),
  /** A non-empty string. */
  text: () => z.string().min(1),
  /** A comma-separated list of non-empty strings. */
  list: () =>
    z
      .string()
      .transform((s) =>
        s
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().min(1)).min(1)),
};
