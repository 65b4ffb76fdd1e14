/**
 * Idempotency by message id: a message whose envelope id was processed already is acknowledged
 * without running its handler again. The interface is asynchronous so a shared store (DynamoDB with
 * a TTL attribute, as Service A's idempotency store) can replace the in-memory one when the
 * worker runs with several replicas; the in-memory one only covers redeliveries to this process.
 */
export interface ProcessedIds {
  has(id: string): Promise<boolean>;
  add(id: string): Promise<void>;
}

/** Remembers the last `capacity` ids; the oldest is forgotten first. */
export class BoundedProcessedIds implements ProcessedIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new Error(`BoundedProcessedIds capacity must be a whole number >= 1, got ${capacity}`);
    }
  }

  async has(id: string): Promise<boolean> {
    return this.ids.has(id);
  }

  async add(id: string): Promise<void> {
    this.ids.delete(id);
    this.ids.add(id);
    // A Set iterates in insertion order, so the first entry is the oldest.
    while (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
  }

  get size(): number {
    return this.ids.size;
  }
}
