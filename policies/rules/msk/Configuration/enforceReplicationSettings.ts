import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { describe } from "../../../lib/values";

const MSK_CONFIGURATION = "aws:msk/configuration:Configuration";

/** Configuration of {@link acmeMskConfigurationEnforceReplicationSettings}. */
export interface ReplicationSettingsConfig {
  minimumReplicationFactor?: number;
  minimumInsyncReplicas?: number;
}

const DEFAULTS: Required<ReplicationSettingsConfig> = {
  minimumReplicationFactor: 3,
  minimumInsyncReplicas: 2,
};

/**
 * Reads `server.properties` text: `key=value`, `key: value` or `key value` per line, `#` and `!`
 * comments; a repeated key keeps its last value, as Java's Properties does.
 * @internal Exported for tests only.
 */
export function parseServerProperties(text: string): Map<string, string> {
  const properties = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("!")) {
      continue;
    }
    const match = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (match) {
      properties.set(match[1], match[2].trim());
    } else {
      properties.set(line, "");
    }
  }
  return properties;
}

/**
 * MSK broker configurations must keep acknowledged writes through a broker failure: topics
 * created without an explicit factor get at least `minimumReplicationFactor` replicas, `acks=all`
 * writes wait for at least `minimumInsyncReplicas` of them, and a replica that missed writes never
 * becomes leader. The minimums default to production's 3 and 2; smaller stacks lower them in
 * their policy config.
 *
 * No control in the shared control set covers `aws:msk/configuration:Configuration` yet, so
 * `controls` is empty and the severity is the pack's judgement.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/msk/latest/developerguide/bestpractices.html
 */
export const acmeMskConfigurationEnforceReplicationSettings: AcmeResourcePolicy = {
  name: "acme-msk-configuration-enforce-replication-settings",
  description:
    "Requires MSK configurations to set the default replication factor and min.insync.replicas to at least the configured minimums and to disable unclean leader election.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: [],
  controlGap:
    "The shared control set has no resilience control for MSK broker configuration; the messaging issue requires production replication settings.",
  resourceType: MSK_CONFIGURATION,
  configSchema: {
    properties: {
      minimumReplicationFactor: {
        type: "integer",
        minimum: 1,
        default: DEFAULTS.minimumReplicationFactor,
        description: "The smallest default.replication.factor a configuration may set.",
      },
      minimumInsyncReplicas: {
        type: "integer",
        minimum: 1,
        default: DEFAULTS.minimumInsyncReplicas,
        description: "The smallest min.insync.replicas a configuration may set.",
      },
    },
  },
  validateResource: validateResourceType(MSK_CONFIGURATION, (args, reportViolation) => {
    const config = { ...DEFAULTS, ...args.getConfig<ReplicationSettingsConfig>() };
    const text: unknown = args.props.serverProperties;
    if (typeof text !== "string") {
      reportViolation(
        `serverProperties is ${describe(text)}; set default.replication.factor, ` +
          "min.insync.replicas and unclean.leader.election.enable=false in it.",
      );
      return;
    }
    const properties = parseServerProperties(text);
    const shown = (key: string) => {
      const value = properties.get(key);
      return value === undefined ? "not set" : value;
    };
    const atLeast = (key: string, minimum: number) => {
      const value = properties.get(key);
      return value !== undefined && /^\d+$/.test(value) && Number(value) >= minimum;
    };

    if (!atLeast("default.replication.factor", config.minimumReplicationFactor)) {
      const unset = !properties.has("default.replication.factor");
      reportViolation(
        `default.replication.factor is ${shown("default.replication.factor")}` +
          `${unset ? " (MSK default: 3 in three AZs, 2 in two)" : ""}; set it to at least ` +
          `${config.minimumReplicationFactor} (policy config minimumReplicationFactor).`,
      );
    }
    if (!atLeast("min.insync.replicas", config.minimumInsyncReplicas)) {
      reportViolation(
        `min.insync.replicas is ${shown("min.insync.replicas")}; set it to at least ` +
          `${config.minimumInsyncReplicas} (policy config minimumInsyncReplicas) so an ` +
          "acknowledged write is on that many brokers.",
      );
    }
    if (properties.get("unclean.leader.election.enable")?.toLowerCase() !== "false") {
      reportViolation(
        `unclean.leader.election.enable is ${shown("unclean.leader.election.enable")}; set it ` +
          "to false so a replica that missed acknowledged writes never becomes leader.",
      );
    }
  }),
};
