import { X509Certificate } from "node:crypto";
import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { ACM_CERTIFICATE } from "../../../lib/resourceTypes";
import { isNonEmptyString, isUnset } from "../../../lib/values";

const MINIMUM_RSA_BITS = 2048;
/** ACM's key algorithms that pass: RSA of 2048 bits or more, and every ECDSA curve. */
const STRONG_ALGORITHMS = [
  "RSA_2048",
  "RSA_3072",
  "RSA_4096",
  "EC_prime256v1",
  "EC_secp384r1",
  "EC_secp521r1",
];

/**
 * ACM certificates must use RSA keys of at least 2,048 bits or ECDSA keys. A requested
 * certificate is judged by `keyAlgorithm` (unset is `RSA_2048`); an imported one by the public
 * key in its `certificateBody`, which is read here (never the private key).
 *
 * @severity high
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/acm-controls.html#acm-2
 */
export const acmeAcmCertificateEnforceKeyLength: AcmeResourcePolicy = {
  name: "acme-acm-certificate-enforce-key-length",
  description: "Requires ACM certificates to use RSA keys of at least 2048 bits or ECDSA keys.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: ["ACM.2"],
  resourceType: ACM_CERTIFICATE,
  validateResource: validateResourceType(ACM_CERTIFICATE, (args, reportViolation) => {
    const body: unknown = args.props.certificateBody;
    if (isNonEmptyString(body)) {
      let key: X509Certificate["publicKey"];
      try {
        key = new X509Certificate(body).publicKey;
      } catch {
        reportViolation(
          "certificateBody is not a PEM certificate; import a PEM X.509 certificate.",
        );
        return;
      }
      const bits = key.asymmetricKeyDetails?.modulusLength;
      if (key.asymmetricKeyType === "rsa" && (bits ?? 0) < MINIMUM_RSA_BITS) {
        reportViolation(
          `certificateBody has a ${String(bits)}-bit RSA key; import a certificate with an RSA ` +
            `key of at least ${MINIMUM_RSA_BITS} bits or an ECDSA key.`,
        );
      } else if (key.asymmetricKeyType !== "rsa" && key.asymmetricKeyType !== "ec") {
        reportViolation(
          `certificateBody has a ${String(key.asymmetricKeyType)} key, which ACM does not ` +
            "import; use an RSA key of at least 2048 bits or an ECDSA key.",
        );
      }
      return;
    }
    const algorithm: unknown = args.props.keyAlgorithm;
    if (!isUnset(algorithm) && !STRONG_ALGORITHMS.includes(algorithm as string)) {
      reportViolation(
        `keyAlgorithm is ${JSON.stringify(algorithm)}; use one of ${STRONG_ALGORITHMS.join(", ")}.`,
      );
    }
  }),
};
