/**
 * Reading an ECS task definition's `containerDefinitions`, which `aws.ecs.TaskDefinition` takes as
 * a JSON string (an array of ECS `ContainerDefinition`s, camelCase). Reading the property is what
 * makes a value not known yet (a string built from outputs during a preview) undecidable: the
 * proxy throws before any parsing, so no rule reports it.
 */
import { isRecord, isUnset } from "./values";

/**
 * Words that make an environment variable's name look like a credential. Compared without case
 * and separators, so `DB_PASSWORD`, `dbPassword`, `AWS_SECRET_ACCESS_KEY` and `PRIVATEKEY` all match.
 */
export const CREDENTIAL_NAME_MARKERS = ["SECRET", "PASSWORD", "TOKEN", "PRIVATE_KEY", "ACCESS_KEY"];

const squash = (name: string) => name.toUpperCase().replace(/[^A-Z0-9]/g, "");

/** The first of {@link CREDENTIAL_NAME_MARKERS} that the variable name `name` contains, or undefined. */
export function credentialMarker(name: string): string | undefined {
  return CREDENTIAL_NAME_MARKERS.find((marker) => squash(name).includes(squash(marker)));
}

/** One container of a task definition; fields stay untyped until checked. */
export type ContainerDefinition = Record<string, unknown>;

/** A container with the label messages use for it. */
export interface LabelledContainer {
  /** `container "main"`, or `container 0` when it has no name. */
  label: string;
  container: ContainerDefinition;
}

/**
 * The containers of `value` (the JSON string, or an already parsed array), or `undefined` when it
 * is not a JSON array of objects.
 */
export function parseContainerDefinitions(value: unknown): ContainerDefinition[] | undefined {
  let parsed: unknown = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return Array.isArray(parsed) && parsed.every(isRecord) ? parsed : undefined;
}

/**
 * The containers a task definition rule checks. An unset value gives none (AWS rejects such a
 * task definition anyway); text that is not a JSON array of container definitions is reported,
 * because `what` cannot be checked, and gives `undefined`.
 */
export function containersToCheck(
  containerDefinitions: unknown,
  what: string,
  reportViolation: (message: string) => void,
): LabelledContainer[] | undefined {
  if (isUnset(containerDefinitions)) {
    return [];
  }
  const containers = parseContainerDefinitions(containerDefinitions);
  if (containers === undefined) {
    reportViolation(
      `containerDefinitions is not a JSON array of container definitions, so ${what}; ` +
        "pass JSON.stringify([...]) of the containers.",
    );
    return undefined;
  }
  return containers.map((container, index) => ({
    label:
      typeof container.name === "string" && container.name !== ""
        ? `container "${container.name}"`
        : `container ${index}`,
    container,
  }));
}
