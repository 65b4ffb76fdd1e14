/**
 * Service A's idempotency table: DynamoDB, encrypted with the platform's data key, recoverable to
 * any second of the last 35 days, its items expiring through TTL. The key schema comes from the
 * service's own module, so the table and the code that reads it cannot disagree.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { TABLE_KEY, TTL_ATTRIBUTE } from "../../services/service-a/src/table";
import {
  type AwsContext,
  dependenciesOf,
  keyUseViaService,
  KMS_KEY_ARN,
  type PolicyStatement,
  REGION,
  throwIfInvalid,
  type ValidationError,
} from "../lib";

/** DynamoDB table names: 3 to 255 letters, digits, `_`, `-` and `.`. */
const TABLE_NAME_CHARS = /^[A-Za-z0-9_.-]+$/;
const MAX_TABLE_NAME = 255;
/** What auto-naming adds to the component name: `-` and 7 hex characters. */
const AUTO_NAME_SUFFIX = 1 + 7;

/**
 * The item operations Service A makes (requestStore.ts). TransactWriteItems needs no action of its
 * own: DynamoDB authorizes each item of a transaction as the PutItem, UpdateItem, DeleteItem or
 * ConditionCheckItem it contains.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html
 */
export const REQUEST_TABLE_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:ConditionCheckItem",
] as const;

/**
 * What DynamoDB asks of the key for a caller reading and writing a table encrypted with a
 * customer-managed key.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html
 */
export const REQUEST_TABLE_KEY_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"];

/** Arguments of {@link RequestTable}. */
export interface RequestTableArgs extends Pick<AwsContext, "region"> {
  /**
   * ARN of the customer-managed KMS key the table is encrypted with (the platform's `data` key,
   * `PlatformKeys.dataKeyArn`). A key ARN, not an alias: the access statements name it as their
   * IAM resource.
   * See https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/EncryptionAtRest.html
   */
  kmsKeyArn: pulumi.Input<string>;
  /**
   * Protect the table: DynamoDB deletion protection and Pulumi `protect`, so neither a console
   * click nor `pulumi destroy` deletes it (set in prod, from `protectStatefulResources`).
   * @default false
   */
  protect?: boolean;
}

/**
 * Validates {@link RequestTableArgs} and, when given, the component name the table name derives
 * from; returns every problem.
 */
export function validateRequestTableArgs(args: RequestTableArgs, name?: string): ValidationError[] {
  const errors: ValidationError[] = [];
  const add = (propertyPath: string, reason: string) => errors.push({ propertyPath, reason });
  if (name !== undefined) {
    const longest = MAX_TABLE_NAME - AUTO_NAME_SUFFIX;
    if (!TABLE_NAME_CHARS.test(name) || name.length > longest) {
      add(
        "name",
        `"${name}" cannot name a DynamoDB table; use at most ${longest} letters, digits, "_", "-" ` +
          'and "." (the table name adds a random suffix)',
      );
    }
  }
  if (typeof args.kmsKeyArn === "string" && !KMS_KEY_ARN.test(args.kmsKeyArn)) {
    add(
      "kmsKeyArn",
      `"${args.kmsKeyArn}" is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); pass the ` +
        "key's ARN (PlatformKeys.dataKeyArn), not an alias or key ID, so the access statements " +
        "name the key IAM checks",
    );
  }
  if (!REGION.test(args.region)) {
    add("region", `"${args.region}" is not an AWS Region code; use the form eu-west-1`);
  }
  return errors;
}

/**
 * Service A's idempotency and request-status table (services/service-a/src/requestStore.ts): one
 * string partition key and no sort key, on-demand capacity, TTL on the expiry attribute, SSE-KMS
 * with the given customer-managed key, point-in-time recovery, and deletion protection when asked.
 * The table is auto-named from the component name; the service takes the name from its
 * environment. Give a role access with {@link requestTableAccess}.
 */
export class RequestTable extends pulumi.ComponentResource {
  public readonly table: aws.dynamodb.Table;
  public readonly tableName: pulumi.Output<string>;
  public readonly tableArn: pulumi.Output<string>;
  /** The key the table is encrypted with. */
  public readonly keyArn: pulumi.Output<string>;
  /** The Region the table lives in (the access statements name DynamoDB's endpoint there). */
  public readonly region: string;

  constructor(name: string, args: RequestTableArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): a bad argument must fail before anything, the component included, registers.
    throwIfInvalid("RequestTable", validateRequestTableArgs(args, name));
    super("acme:services:RequestTable", name, {}, opts);
    const protect = args.protect ?? false;

    this.table = new aws.dynamodb.Table(
      name,
      {
        // On demand: the request rate follows the front door's traffic, not a provisioned guess.
        billingMode: "PAY_PER_REQUEST",
        hashKey: TABLE_KEY,
        attributes: [{ name: TABLE_KEY, type: "S" }],
        ttl: { enabled: true, attributeName: TTL_ATTRIBUTE },
        serverSideEncryption: { enabled: true, kmsKeyArn: args.kmsKeyArn },
        pointInTimeRecovery: { enabled: true },
        ...(protect ? { deletionProtectionEnabled: true } : {}),
      },
      { parent: this, protect, dependsOn: dependenciesOf(opts) },
    );

    this.tableName = this.table.name;
    this.tableArn = this.table.arn;
    this.keyArn = pulumi.output(args.kmsKeyArn);
    this.region = args.region;

    this.registerOutputs({
      tableName: this.tableName,
      tableArn: this.tableArn,
      keyArn: this.keyArn,
    });
  }
}

/**
 * The IAM statements a role needs to use the table as Service A does: the item operations of
 * {@link REQUEST_TABLE_ACTIONS} on this table only (no Scan, Query or table management), and the
 * table's key only through DynamoDB in the table's Region. Render them with `policyDocument()`.
 */
export function requestTableAccess(
  table: Pick<RequestTable, "tableArn" | "keyArn" | "region">,
): PolicyStatement[] {
  return [
    { Effect: "Allow", Action: [...REQUEST_TABLE_ACTIONS], Resource: table.tableArn },
    keyUseViaService(table.keyArn, "dynamodb", table.region, REQUEST_TABLE_KEY_ACTIONS),
  ];
}
