/**
 * The idempotency table's key schema, shared by the service (requestStore.ts) and the Pulumi
 * program that creates the table (components/services/requestTable.ts). No imports: the program
 * loads this file without loading the AWS SDK.
 */

/** The table's partition key attribute (string); the table has no sort key. */
export const TABLE_KEY = "pk";
/** The table's TTL attribute (epoch seconds). */
export const TTL_ATTRIBUTE = "expiresAt";
/** The partition key prefix of a request's status item: `req#<requestId>`. */
export const REQUEST_ITEM_PREFIX = "req#";
