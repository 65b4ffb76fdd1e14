import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { ACM_CERTIFICATE } from "../../../lib/resourceTypes";
import { isRecord } from "../../../lib/values";

/**
 * ACM certificates must not opt out of certificate transparency logging
 * (`options.certificateTransparencyLoggingPreference` `DISABLED`): browsers reject certificates
 * missing from the logs, and the logs are how a wrongly issued certificate for our domains is
 * noticed. Unset means enabled. Advisory: hygiene.
 *
 * @severity low
 * @link https://docs.aws.amazon.com/acm/latest/userguide/acm-concepts.html#concept-transparency
 */
export const acmeAcmCertificateEnableTransparencyLogging: AcmeResourcePolicy = {
  name: "acme-acm-certificate-enable-transparency-logging",
  description: "Prohibits ACM certificates that opt out of certificate transparency logging.",
  enforcementLevel: "advisory",
  severity: "low",
  controls: ["CKV_AWS_234"],
  resourceType: ACM_CERTIFICATE,
  validateResource: validateResourceType(ACM_CERTIFICATE, (args, reportViolation) => {
    const options: unknown = args.props.options;
    if (isRecord(options) && options.certificateTransparencyLoggingPreference === "DISABLED") {
      reportViolation(
        'options.certificateTransparencyLoggingPreference is "DISABLED"; remove it or set it to ' +
          '"ENABLED".',
      );
    }
  }),
};
