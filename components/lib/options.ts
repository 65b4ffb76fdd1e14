/**
 * The one `dependsOn` convention of the components.
 *
 * A component takes what it must wait for as the standard resource option `opts.dependsOn`
 * (never as an argument), and hands it to the children that must wait, in their own `dependsOn`.
 * The Node.js SDK does not copy a component's `dependsOn` to its children: a child's registration
 * names only its own (@pulumi/pulumi runtime/resource.js `prepareResource`: the dependencies come
 * from the resource's own `opts.dependsOn` and its inputs), so the edge must be written where the
 * ordering matters. Depending on a component, on the other hand, waits for all of its children
 * (`getAllTransitivelyReferencedResourceURNs`).
 */
import * as pulumi from "@pulumi/pulumi";

/** `opts.dependsOn` as a list children can spread into theirs. */
export function dependenciesOf(opts?: pulumi.ResourceOptions): pulumi.Input<pulumi.Resource>[] {
  const deps = opts?.dependsOn;
  if (deps === undefined) return [];
  if (Array.isArray(deps)) return deps as pulumi.Input<pulumi.Resource>[];
  if (pulumi.Resource.isInstance(deps)) return [deps];
  throw new Error(
    "dependsOn: pass a resource or an array of resources (an Output of them cannot be handed to children)",
  );
}
