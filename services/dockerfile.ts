/**
 * What services/images.test.ts needs to check the service images without a Docker engine: a
 * Dockerfile parser (the instructions the service Dockerfiles use), the .dockerignore matcher
 * (Docker's rules: last matching pattern wins, `!` re-includes, a pattern matching a directory
 * covers what is inside), and the set of packages `npm ci --omit=dev -w <workspace>` installs,
 * read from the lockfile.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** One instruction, continuation lines joined. */
export interface Instruction {
  /** Upper-cased keyword, e.g. `COPY`. */
  keyword: string;
  /** `--name=value` flags before the arguments (`--from=deps`). */
  flags: Record<string, string>;
  /** The text after the keyword and flags. */
  rest: string;
  /** 1-based line where the instruction starts. */
  line: number;
}

/** A build stage: its FROM and the instructions up to the next FROM. */
export interface Stage {
  /** The image or earlier stage it starts from. */
  from: string;
  /** `AS <name>`, or the stage's index as a string. */
  name: string;
  instructions: Instruction[];
}

/** Parses a Dockerfile into stages; throws naming the line of anything it does not understand. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let logical = lines[i].trim();
    if (logical === "" || logical.startsWith("#")) continue;
    while (logical.endsWith("\\")) {
      logical = logical.slice(0, -1).trimEnd();
      // Comment lines inside a continued instruction are dropped, as Docker does.
      do i++;
      while (i < lines.length && lines[i].trim().startsWith("#"));
      if (i >= lines.length) throw new Error(`line ${start}: the file ends inside a continuation`);
      logical += ` ${lines[i].trim()}`;
    }
    const match = /^(\S+)\s*(.*)$/.exec(logical);
    if (!match) throw new Error(`line ${start}: cannot read "${logical}"`);
    const keyword = match[1].toUpperCase();
    let rest = match[2];
    const flags: Record<string, string> = {};
    for (
      let flag = /^--([a-z-]+)=(\S+)\s+/.exec(rest);
      flag;
      flag = /^--([a-z-]+)=(\S+)\s+/.exec(rest)
    ) {
      flags[flag[1]] = flag[2];
      rest = rest.slice(flag[0].length);
    }
    const instruction = { keyword, flags, rest, line: start };
    if (keyword === "FROM") {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!from) throw new Error(`line ${start}: FROM needs "<image> [AS <name>]", got "${rest}"`);
      stages.push({ from: from[1], name: from[2] ?? String(stages.length), instructions: [] });
    } else if (stages.length === 0) {
      if (keyword !== "ARG") throw new Error(`line ${start}: ${keyword} before the first FROM`);
    } else {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return stages;
}

/** The arguments of an exec-form instruction (`["node", "x.js"]`), or undefined for shell form. */
export function execForm(instruction: Instruction): string[] | undefined {
  if (!instruction.rest.startsWith("[")) return undefined;
  const parsed: unknown = JSON.parse(instruction.rest);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === "string")) {
    throw new Error(`line ${instruction.line}: exec form must be a JSON array of strings`);
  }
  return parsed;
}

/** The sources and destination of a COPY (shell-form words). */
export function copyArgs(instruction: Instruction): { sources: string[]; dest: string } {
  const words = execForm(instruction) ?? instruction.rest.split(/\s+/);
  if (words.length < 2)
    throw new Error(`line ${instruction.line}: COPY needs a source and a destination`);
  return { sources: words.slice(0, -1), dest: words[words.length - 1] };
}

/** `ENV a=b c=d` as a map (the key=value form; the legacy `ENV a b` form too). */
export function envArgs(instruction: Instruction): Record<string, string> {
  const out: Record<string, string> = {};
  const pairs = instruction.rest.match(/[^\s=]+=("[^"]*"|\S*)/g);
  if (!pairs) {
    const [key, ...value] = instruction.rest.split(/\s+/);
    out[key] = value.join(" ");
    return out;
  }
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    out[pair.slice(0, at)] = pair.slice(at + 1).replace(/^"(.*)"$/, "$1");
  }
  return out;
}

function globToRegExp(pattern: string): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*" && pattern[i + 1] === "*") {
      // `**/` is any number of directories, `**` at the end anything.
      if (pattern[i + 2] === "/") {
        out += "(?:.*/)?";
        i += 2;
      } else {
        out += ".*";
        i += 1;
      }
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i);
      out += pattern.slice(i, end + 1).replace("[!", "[^");
      i = end;
    } else out += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

/** A .dockerignore: which context paths (relative, with `/`) the daemon never receives. */
export class DockerIgnore {
  private readonly rules: { negate: boolean; pattern: string; regexp: RegExp }[];

  constructor(text: string) {
    this.rules = text
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"))
      .map((l) => {
        const negate = l.startsWith("!");
        const pattern = path.posix
          .normalize(negate ? l.slice(1).trim() : l)
          .replace(/^\/+/, "")
          .replace(/\/+$/, "");
        return { negate, pattern, regexp: globToRegExp(pattern) };
      });
  }

  /** True when `file` (relative to the context root) is left out of the context. */
  excludes(file: string): boolean {
    const parts = path.posix.normalize(file).split("/");
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const rule of this.rules) {
      if (candidates.some((c) => rule.regexp.test(c))) excluded = !rule.negate;
    }
    return excluded;
  }

  /** True when nothing under the excluded directory `dir` can be re-included by a `!` rule. */
  prunes(dir: string): boolean {
    return (
      this.excludes(dir) && !this.rules.some((r) => r.negate && r.pattern.startsWith(`${dir}/`))
    );
  }

  /** Files under `root/rel` (a file or directory) that reach the context, relative to `root`. */
  contextFiles(root: string, rel: string): string[] {
    const full = path.join(root, rel);
    if (!fs.statSync(full).isDirectory()) return this.excludes(rel) ? [] : [rel];
    if (this.prunes(rel)) return [];
    return fs
      .readdirSync(full)
      .sort()
      .flatMap((entry) => this.contextFiles(root, path.posix.join(rel, entry)));
  }
}

interface LockEntry {
  link?: boolean;
  resolved?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/**
 * The lockfile locations (`node_modules/x`, `node_modules/a/node_modules/b`) that
 * `npm ci --omit=dev -w <workspace>` installs: the workspace's dependencies and theirs,
 * following workspace and `file:` links. Throws naming a dependency the lockfile cannot place.
 */
export function productionClosure(
  lock: { packages: Record<string, LockEntry> },
  workspace: string,
) {
  const packages = lock.packages;
  const reached = new Set<string>();
  const place = (name: string, from: string): string | undefined => {
    for (let loc = from; ;) {
      const candidate = loc ? `${loc}/node_modules/${name}` : `node_modules/${name}`;
      if (packages[candidate]) return candidate;
      if (!loc) return undefined;
      const at = loc.lastIndexOf("/node_modules/");
      loc = at >= 0 ? loc.slice(0, at) : "";
    }
  };
  const visit = (loc: string, entry: LockEntry) => {
    const optional = entry.peerDependenciesMeta ?? {};
    const names = [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}).filter((n) => !optional[n]?.optional),
    ];
    for (const name of names) {
      const at = place(name, loc);
      if (!at) {
        if (entry.optionalDependencies?.[name]) continue;
        throw new Error(
          `package-lock.json: ${loc || "(root)"} depends on ${name}, not in the lock`,
        );
      }
      if (reached.has(at)) continue;
      reached.add(at);
      const target = packages[at];
      // A link (workspace or file:) installs its target's dependencies, resolved from the link.
      visit(at, target.link && target.resolved ? packages[target.resolved] : target);
    }
  };
  const root = packages[workspace];
  if (!root) throw new Error(`package-lock.json has no workspace "${workspace}"`);
  // npm also links the workspace itself into node_modules.
  for (const [loc, entry] of Object.entries(packages)) {
    if (entry.link && entry.resolved === workspace) reached.add(loc);
  }
  visit(workspace, root);
  return reached;
}
