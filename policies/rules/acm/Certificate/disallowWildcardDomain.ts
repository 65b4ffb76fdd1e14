import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { ACM_CERTIFICATE } from "../../../lib/resourceTypes";
import { stringList } from "../../../lib/values";

/**
 * ACM certificates must name their hosts, not `*.` wildcards: a wildcard certificate's key serves
 * every host of the domain, so one leaked key impersonates them all. Advisory: hygiene.
 *
 * @severity low
 * @link https://docs.aws.amazon.com/acm/latest/userguide/acm-certificate.html
 */
export const acmeAcmCertificateDisallowWildcardDomain: AcmeResourcePolicy = {
  name: "acme-acm-certificate-disallow-wildcard-domain",
  description: "Prohibits ACM certificates for wildcard domain names.",
  enforcementLevel: "advisory",
  severity: "low",
  controls: ["CKV2_AWS_71"],
  resourceType: ACM_CERTIFICATE,
  validateResource: validateResourceType(ACM_CERTIFICATE, (args, reportViolation) => {
    const names = [
      ...stringList(args.props.domainName),
      ...stringList(args.props.subjectAlternativeNames),
    ];
    for (const name of names.filter((n) => n.startsWith("*."))) {
      reportViolation(`${name} is a wildcard name; list the hosts the certificate serves.`);
    }
  }),
};
