import type { AcmeStackPolicy } from "../../../lib/policy";
import { validateStackResourcesType } from "../../../lib/policy";
import { ACM_CERTIFICATE } from "../../../lib/resourceTypes";
import { describe, isNonEmptyString } from "../../../lib/values";

const ACM_CERTIFICATE_VALIDATION = "aws:acm/certificateValidation:CertificateValidation";

/**
 * ACM certificates must renew themselves: requested with `validationMethod` `DNS` and validated
 * by an aws.acm.CertificateValidation of the stack (matched by `certificateArn`), so ACM renews
 * them before they expire while the DNS record stays. An imported certificate (`privateKey` set)
 * never renews by itself and its expiry is not known offline, so it is reported too. Advisory: an
 * expiring certificate is an outage, which the expiry alarm also catches.
 *
 * @severity medium
 * @link https://docs.aws.amazon.com/acm/latest/userguide/dns-renewal-validation.html
 */
export const acmeAcmCertificateEnableAutomaticRenewal: AcmeStackPolicy = {
  name: "acme-acm-certificate-enable-automatic-renewal",
  description:
    "Requires ACM certificates to be DNS-validated in the stack so ACM renews them automatically.",
  enforcementLevel: "advisory",
  severity: "medium",
  controls: ["ACM.1"],
  resourceType: ACM_CERTIFICATE,
  validateStack: validateStackResourcesType(
    ACM_CERTIFICATE,
    (certificates, args, reportViolation) => {
      const validated = new Set(
        args.resources
          .filter((r) => r.type === ACM_CERTIFICATE_VALIDATION)
          .map((r) => r.props.certificateArn),
      );
      for (const cert of certificates) {
        if (isNonEmptyString(cert.props.privateKey)) {
          reportViolation(
            `ACM certificate ${cert.name} is imported, so ACM cannot renew it; request it from ACM ` +
              'with validationMethod "DNS".',
            cert.urn,
          );
        } else if (cert.props.validationMethod !== "DNS") {
          reportViolation(
            `ACM certificate ${cert.name} has validationMethod ${describe(cert.props.validationMethod)}; ` +
              'use "DNS" so ACM renews it without anyone answering an email.',
            cert.urn,
          );
        } else if (!validated.has(cert.props.arn)) {
          reportViolation(
            `ACM certificate ${cert.name} has no aws.acm.CertificateValidation in the stack; add ` +
              "one with its validation records so it is issued and renewed.",
            cert.urn,
          );
        }
      }
    },
  ),
};
