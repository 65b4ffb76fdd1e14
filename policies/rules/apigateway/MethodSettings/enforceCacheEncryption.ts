import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { APIGATEWAY_METHOD_SETTINGS } from "../../../lib/resourceTypes";
import { describe, isRecord } from "../../../lib/values";

/**
 * Method settings that turn the response cache on must encrypt it: cached responses hold the
 * data the API returns. Settings with caching off (or unset, which is off) pass; the pack does
 * not ask for a cache.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/apigateway-controls.html#apigateway-5
 */
export const acmeApigatewayMethodsettingsEnforceCacheEncryption: AcmeResourcePolicy = {
  name: "acme-apigateway-methodsettings-enforce-cache-encryption",
  description:
    "Requires API Gateway method settings that enable caching to encrypt the cache data.",
  enforcementLevel: "mandatory",
  severity: "medium",
  controls: ["APIGateway.5"],
  resourceType: APIGATEWAY_METHOD_SETTINGS,
  validateResource: validateResourceType(APIGATEWAY_METHOD_SETTINGS, (args, reportViolation) => {
    const settings: unknown = args.props.settings;
    if (!isRecord(settings) || settings.cachingEnabled !== true) {
      return;
    }
    const encrypted: unknown = settings.cacheDataEncrypted;
    if (encrypted !== true) {
      reportViolation(
        `settings.cachingEnabled is true but settings.cacheDataEncrypted is ${describe(encrypted)}; ` +
          "set cacheDataEncrypted to true, or turn caching off.",
      );
    }
  }),
};
