/** The API Gateway policies, in the order CrossGuard runs them; `rules/index.ts` adds them to the pack. */
import type { AcmePolicy } from "../../lib/policy";
import { acmeApigatewayDomainnameEnforceTlsPolicy } from "./DomainName/enforceTlsPolicy";
import { acmeApigatewayMethodsettingsEnforceCacheEncryption } from "./MethodSettings/enforceCacheEncryption";
import { acmeApigatewayStageEnableAccessLogging } from "./Stage/enableAccessLogging";
import { acmeApigatewayStageEnableExecutionLogging } from "./Stage/enableExecutionLogging";
import { acmeApigatewayStageEnableXrayTracing } from "./Stage/enableXrayTracing";
import { acmeApigatewayStageMissingWebAcl } from "./Stage/missingWebAcl";
import { acmeApigatewayIntegrationEnforceHttpsVpcLink } from "./Integration/enforceHttpsVpcLink";
import { acmeApigatewayMethodsettingsDisableDataTrace } from "./MethodSettings/disableDataTrace";
import { acmeApigatewayRestapiConfigureEndpointType } from "./RestApi/configureEndpointType";
import { acmeApigatewayRestapiDisableDefaultEndpoint } from "./RestApi/disableDefaultEndpoint";

export const apigatewayPolicies: AcmePolicy[] = [
  acmeApigatewayStageEnableExecutionLogging,
  acmeApigatewayStageEnableXrayTracing,
  acmeApigatewayStageMissingWebAcl,
  acmeApigatewayMethodsettingsEnforceCacheEncryption,
  acmeApigatewayDomainnameEnforceTlsPolicy,
  acmeApigatewayStageEnableAccessLogging,
  acmeApigatewayMethodsettingsDisableDataTrace,
  acmeApigatewayIntegrationEnforceHttpsVpcLink,
  acmeApigatewayRestapiDisableDefaultEndpoint,
  acmeApigatewayRestapiConfigureEndpointType,
];
