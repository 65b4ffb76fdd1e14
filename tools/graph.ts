/**
 * A Mermaid picture of the stack: one box per top-level component (with its resource count and
 * main resource kinds) and an arrow from each component to the ones that use it.
 */
import type { ExportedResource } from "./stackExport";

/** The type's short name: `aws:eks/cluster:Cluster` -> `Cluster`. */
function shortType(type: string): string {
  if (type.startsWith("pulumi:providers:"))
    return `${type.slice("pulumi:providers:".length)} provider`;
  return type.split(":").pop() ?? type;
}

/** Renders `flowchart LR` Mermaid text from exported resources. */
export function toMermaid(resources: ExportedResource[]): string {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const stack = resources.find((r) => r.type === "pulumi:pulumi:Stack");
  const topLevel = resources.filter(
    (r) => !r.custom && r.parent === stack?.urn && r.type !== "pulumi:pulumi:Stack",
  );

  // The top-level component a resource belongs to (undefined for the stack and providers).
  const owner = (urn: string | undefined): string | undefined => {
    let current = urn ? byUrn.get(urn) : undefined;
    while (current) {
      if (current.parent === stack?.urn) return current.custom ? undefined : current.urn;
      current = current.parent ? byUrn.get(current.parent) : undefined;
    }
    return undefined;
  };

  const ids = new Map(topLevel.map((c, i) => [c.urn, `c${i}`]));
  const nodeId = (urn: string) => ids.get(urn) ?? "unknown";
  const members = new Map<string, ExportedResource[]>();
  for (const r of resources) {
    const o = owner(r.urn);
    if (o && r.custom) members.set(o, [...(members.get(o) ?? []), r]);
  }

  const edges = new Map<string, Set<string>>();
  for (const r of resources) {
    const from = owner(r.urn);
    if (!from) continue;
    // Property dependencies are data flowing in (a key ARN, subnet IDs): they label the edge.
    // Plain dependencies (ordering only) draw the edge without naming what flows.
    const dataDeps = new Set(Object.values(r.propertyDependencies ?? {}).flat());
    // A provider reference (`<urn>::<id>`) is data too: the cluster's Kubernetes provider, say.
    if (r.provider) dataDeps.add(r.provider.split("::").slice(0, -1).join("::"));
    for (const dep of new Set([...(r.dependencies ?? []), ...dataDeps])) {
      const to = owner(dep);
      if (!to || to === from) continue;
      const key = `${to}->${from}`;
      const kinds = edges.get(key) ?? new Set<string>();
      const depRes = byUrn.get(dep);
      if (depRes?.custom && dataDeps.has(dep)) kinds.add(shortType(depRes.type));
      edges.set(key, kinds);
    }
  }

  const lines = ["flowchart LR"];
  for (const c of topLevel) {
    const list = members.get(c.urn) ?? [];
    const counts = new Map<string, number>();
    for (const r of list) counts.set(shortType(r.type), (counts.get(shortType(r.type)) ?? 0) + 1);
    const main = [...counts.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 4)
      .map(([t, n]) => `${n} ${t}`)
      .join(", ");
    const name = c.urn.split("::").pop();
    lines.push(
      `  ${nodeId(c.urn)}["<b>${shortType(c.type)}</b> ${name}<br/>${list.length} resources<br/>${main}"]`,
    );
  }
  for (const [key, kinds] of [...edges.entries()].sort()) {
    const [to, from] = key.split("->");
    const label = [...kinds].sort().slice(0, 3).join(", ");
    lines.push(`  ${nodeId(to)} -->${label ? `|${label}|` : ""} ${nodeId(from)}`);
  }
  return lines.join("\n") + "\n";
}
