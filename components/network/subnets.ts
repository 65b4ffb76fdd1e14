/**
 * Subnet layout for the VPC: pure IPv4 CIDR arithmetic, no Pulumi.
 *
 * The VPC is cut into quarters. The first half holds up to four private subnets (prefix + 3 each);
 * the third quarter holds up to four public and four intra blocks (prefix + 6 each); the fourth
 * quarter is left free for later use. Each block has a fixed slot per AZ index, so adding an AZ
 * later never moves an existing subnet.
 */

/** Smallest VPC prefix the layout supports (the largest VPC AWS allows). */
export const MIN_VPC_PREFIX = 16;
/** Largest VPC prefix the layout supports: /20 still gives /26 public subnets. */
export const MAX_VPC_PREFIX = 20;
/** Availability zones the layout has room for. */
export const MAX_AZ_COUNT = 4;

/** The subnet CIDRs for each tier, index i belonging to the i-th availability zone. */
export interface SubnetPlan {
  /** Private (node and pod) subnets, prefix + 3 each. */
  private: string[];
  /** Public (NAT gateway and internet-facing load balancer) subnets, prefix + 6 each. */
  public: string[];
  /** Reserved for intra subnets (no route to the internet); not created yet. */
  intra: string[];
}

/** An IPv4 CIDR block as its first address (an unsigned 32-bit number) and prefix length. */
export interface Ipv4Cidr {
  address: number;
  prefix: number;
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; returns undefined when the text is not an IPv4 CIDR block. */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const m = IPV4_CIDR.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  // Multiplication rather than bit shifts: JavaScript bitwise operators are signed 32-bit.
  return { address: octets.reduce((acc, o) => acc * 256 + o, 0), prefix };
}

/** The number of addresses in a block with the given prefix. */
export function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** Whether the block's address has no bits set below its prefix. */
export function isNetworkAddress(cidr: Ipv4Cidr): boolean {
  return cidr.address % blockSize(cidr.prefix) === 0;
}

/** Formats an address and prefix as `a.b.c.d/n`. */
export function formatIpv4Cidr(cidr: Ipv4Cidr): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(cidr.address / 2 ** shift) % 256);
  return `${octets.join(".")}/${cidr.prefix}`;
}

/**
 * Plans the subnets of a VPC over `azCount` availability zones. Throws a `RangeError` for input
 * the layout cannot hold; `validateNetworkArgs` reports the same problems to users first.
 */
export function planSubnets(cidrBlock: string, azCount: number): SubnetPlan {
  const vpc = parseIpv4Cidr(cidrBlock);
  if (!vpc || !isNetworkAddress(vpc)) {
    throw new RangeError(`planSubnets: "${cidrBlock}" is not an IPv4 network address in CIDR form`);
  }
  if (vpc.prefix < MIN_VPC_PREFIX || vpc.prefix > MAX_VPC_PREFIX) {
    throw new RangeError(
      `planSubnets: /${vpc.prefix} is outside /${MIN_VPC_PREFIX}–/${MAX_VPC_PREFIX}`,
    );
  }
  if (!Number.isInteger(azCount) || azCount < 1 || azCount > MAX_AZ_COUNT) {
    throw new RangeError(`planSubnets: azCount ${azCount} is outside 1–${MAX_AZ_COUNT}`);
  }

  const privatePrefix = vpc.prefix + 3;
  const edgePrefix = vpc.prefix + 6;
  const thirdQuarter = vpc.address + 2 * blockSize(vpc.prefix + 2);
  const slots = Array.from({ length: azCount }, (_, i) => i);
  const block = (start: number, prefix: number, slot: number) =>
    formatIpv4Cidr({ address: start + slot * blockSize(prefix), prefix });

  return {
    private: slots.map((i) => block(vpc.address, privatePrefix, i)),
    public: slots.map((i) => block(thirdQuarter, edgePrefix, i)),
    intra: slots.map((i) => block(thirdQuarter, edgePrefix, MAX_AZ_COUNT + i)),
  };
}
