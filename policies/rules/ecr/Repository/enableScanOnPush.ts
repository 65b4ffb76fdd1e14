import type { AcmeResourcePolicy } from "../../../lib/policy";
import { validateResourceType } from "../../../lib/policy";
import { describe, isRecord } from "../../../lib/values";

const ECR_REPOSITORY = "aws:ecr/repository:Repository";

/**
 * ECR repositories must scan every image when it is pushed
 * (`imageScanningConfiguration.scanOnPush: true`), so a vulnerable image is reported before it is
 * deployed. ECR.1 also accepts an account-level enhanced scanning configuration; this stack does
 * not manage one (it belongs to the account's landing zone), so the pack requires the
 * repository's own setting.
 *
 * @severity high
 * @link https://docs.aws.amazon.com/securityhub/latest/userguide/ecr-controls.html#ecr-1
 */
export const acmeEcrRepositoryEnableScanOnPush: AcmeResourcePolicy = {
  name: "acme-ecr-repository-enable-scan-on-push",
  description: "Requires ECR repositories to scan images on push.",
  enforcementLevel: "mandatory",
  severity: "high",
  controls: ["ECR.1"],
  resourceType: ECR_REPOSITORY,
  validateResource: validateResourceType(ECR_REPOSITORY, (args, reportViolation) => {
    const scanning: unknown = args.props.imageScanningConfiguration;
    const scanOnPush: unknown = isRecord(scanning) ? scanning.scanOnPush : undefined;
    if (scanOnPush !== true) {
      reportViolation(
        `imageScanningConfiguration.scanOnPush is ${describe(scanOnPush)}; set ` +
          "imageScanningConfiguration to { scanOnPush: true } so every pushed image is scanned.",
      );
    }
  }),
};
