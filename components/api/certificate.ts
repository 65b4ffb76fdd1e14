/**
 * The ACM certificate both front-door components serve: one name, validated by a DNS record in
 * the Route 53 zone that holds it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** The certificate's key: RSA 2048 satisfies ACM.2 and every TLS client. */
const CERTIFICATE_KEY_ALGORITHM = "RSA_2048";

/** What {@link dnsValidatedCertificate} needs. */
export interface DnsValidatedCertificateArgs {
  /** The one name on the certificate. */
  domainName: string;
  /** The Route 53 hosted zone that holds `domainName` (the validation record goes there). */
  hostedZoneId: pulumi.Input<string>;
  tags?: Record<string, string>;
}

/**
 * Requests the certificate (`<name>`), writes ACM's validation record (`<name>-validation`) and
 * waits for issuance (`<name>`, a CertificateValidation). Returns the certificate and its ARN as
 * the validation gives it, so whatever uses the ARN waits until the certificate is issued.
 */
export function dnsValidatedCertificate(
  name: string,
  args: DnsValidatedCertificateArgs,
  opts: pulumi.CustomResourceOptions,
): { certificate: aws.acm.Certificate; certificateArn: pulumi.Output<string> } {
  const tags = args.tags ? { tags: args.tags } : {};
  const certificate = new aws.acm.Certificate(
    name,
    {
      domainName: args.domainName,
      validationMethod: "DNS",
      keyAlgorithm: CERTIFICATE_KEY_ALGORITHM,
      ...tags,
    },
    opts,
  );
  const option = certificate.domainValidationOptions.apply((options) => {
    const found = (options ?? []).find((o) => o.domainName === args.domainName);
    if (!found) {
      throw new pulumi.ResourceError(
        `ACM returned no DNS validation record for ${args.domainName}`,
        certificate,
      );
    }
    return found;
  });
  const record = new aws.route53.Record(
    `${name}-validation`,
    {
      zoneId: args.hostedZoneId,
      name: option.resourceRecordName,
      type: option.resourceRecordType,
      records: [option.resourceRecordValue],
      ttl: 60,
      // ACM gives the same record for the same name and account: another certificate's may exist.
      allowOverwrite: true,
    },
    { parent: opts.parent },
  );
  const validation = new aws.acm.CertificateValidation(
    name,
    { certificateArn: certificate.arn, validationRecordFqdns: [record.fqdn] },
    { parent: opts.parent },
  );
  return { certificate, certificateArn: validation.certificateArn };
}
