import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  blockSize,
  formatIpv4Cidr,
  parseIpv4Cidr,
  planSubnets,
  type Ipv4Cidr,
  type SubnetPlan,
} from "./subnets";

function range(text: string): { first: number; last: number; prefix: number } {
  const cidr = parseIpv4Cidr(text);
  assert.ok(cidr, `${text} parses`);
  return {
    first: cidr.address,
    last: cidr.address + blockSize(cidr.prefix) - 1,
    prefix: cidr.prefix,
  };
}

const allBlocks = (plan: SubnetPlan) => [...plan.private, ...plan.public, ...plan.intra];

describe("parseIpv4Cidr / formatIpv4Cidr", () => {
  const valid: Array<[string, Ipv4Cidr]> = [
    ["10.0.0.0/16", { address: 10 * 2 ** 24, prefix: 16 }],
    ["255.255.255.255/32", { address: 2 ** 32 - 1, prefix: 32 }],
    ["0.0.0.0/0", { address: 0, prefix: 0 }],
    ["172.16.32.0/20", { address: (172 * 256 + 16) * 65536 + 32 * 256, prefix: 20 }],
  ];
  for (const [text, expected] of valid) {
    it(`round-trips ${text}`, () => {
      assert.deepEqual(parseIpv4Cidr(text), expected);
      assert.equal(formatIpv4Cidr(expected), text);
    });
  }
  for (const text of ["10.0.0.0", "10.0.0/16", "256.0.0.0/16", "10.0.0.0/33", "a.b.c.d/16", ""]) {
    it(`rejects ${JSON.stringify(text)}`, () => assert.equal(parseIpv4Cidr(text), undefined));
  }
});

describe("planSubnets", () => {
  const exact: Array<{ cidr: string; azCount: number; expected: SubnetPlan }> = [
    {
      cidr: "10.0.0.0/16",
      azCount: 3,
      expected: {
        private: ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"],
        public: ["10.0.128.0/22", "10.0.132.0/22", "10.0.136.0/22"],
        intra: ["10.0.144.0/22", "10.0.148.0/22", "10.0.152.0/22"],
      },
    },
    {
      cidr: "10.0.0.0/16",
      azCount: 4,
      expected: {
        private: ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19", "10.0.96.0/19"],
        public: ["10.0.128.0/22", "10.0.132.0/22", "10.0.136.0/22", "10.0.140.0/22"],
        intra: ["10.0.144.0/22", "10.0.148.0/22", "10.0.152.0/22", "10.0.156.0/22"],
      },
    },
    {
      cidr: "172.16.32.0/20",
      azCount: 2,
      expected: {
        private: ["172.16.32.0/23", "172.16.34.0/23"],
        public: ["172.16.40.0/26", "172.16.40.64/26"],
        intra: ["172.16.41.0/26", "172.16.41.64/26"],
      },
    },
    {
      cidr: "172.16.32.0/20",
      azCount: 4,
      expected: {
        private: ["172.16.32.0/23", "172.16.34.0/23", "172.16.36.0/23", "172.16.38.0/23"],
        public: ["172.16.40.0/26", "172.16.40.64/26", "172.16.40.128/26", "172.16.40.192/26"],
        intra: ["172.16.41.0/26", "172.16.41.64/26", "172.16.41.128/26", "172.16.41.192/26"],
      },
    },
  ];
  for (const { cidr, azCount, expected } of exact) {
    it(`lays out ${cidr} over ${azCount} AZs exactly`, () => {
      assert.deepEqual(planSubnets(cidr, azCount), expected);
    });
  }

  const vpcs = [
    "10.0.0.0/16",
    "10.128.0.0/17",
    "192.168.0.0/18",
    "100.64.64.0/19",
    "172.31.240.0/20",
  ];
  for (const cidr of vpcs) {
    for (const azCount of [2, 3, 4]) {
      it(`${cidr} over ${azCount} AZs: sized, inside the VPC, disjoint, fourth quarter free`, () => {
        const plan = planSubnets(cidr, azCount);
        const vpc = range(cidr);
        const fourthQuarter = vpc.first + 3 * blockSize(vpc.prefix + 2);
        assert.equal(plan.private.length, azCount);
        assert.equal(plan.public.length, azCount);
        assert.equal(plan.intra.length, azCount);
        plan.private.forEach((b) => assert.equal(range(b).prefix, vpc.prefix + 3, b));
        [...plan.public, ...plan.intra].forEach((b) =>
          assert.equal(range(b).prefix, vpc.prefix + 6, b),
        );

        const blocks = allBlocks(plan);
        for (const b of blocks) {
          const r = range(b);
          assert.ok(r.first >= vpc.first && r.last <= vpc.last, `${b} inside ${cidr}`);
          assert.ok(r.last < fourthQuarter, `${b} leaves the fourth quarter of ${cidr} free`);
          assert.equal(formatIpv4Cidr({ address: r.first, prefix: r.prefix }), b, "canonical");
        }
        for (let i = 0; i < blocks.length; i++) {
          for (let j = i + 1; j < blocks.length; j++) {
            const [a, b] = [range(blocks[i]), range(blocks[j])];
            assert.ok(
              a.last < b.first || b.last < a.first,
              `${blocks[i]} and ${blocks[j]} overlap`,
            );
          }
        }
      });
    }
  }

  it("keeps existing subnets in place when an AZ is added", () => {
    const three = planSubnets("10.0.0.0/16", 3);
    const four = planSubnets("10.0.0.0/16", 4);
    assert.deepEqual(four.private.slice(0, 3), three.private);
    assert.deepEqual(four.public.slice(0, 3), three.public);
    assert.deepEqual(four.intra.slice(0, 3), three.intra);
  });

  const invalid: Array<[string, number, RegExp]> = [
    ["10.0.0.0/15", 3, /\/15 is outside \/16–\/20/],
    ["10.0.0.0/21", 3, /\/21 is outside \/16–\/20/],
    ["10.0.0.1/16", 3, /not an IPv4 network address/],
    ["not-a-cidr", 3, /not an IPv4 network address/],
    ["10.0.0.0/16", 5, /azCount 5 is outside 1–4/],
    ["10.0.0.0/16", 0, /azCount 0 is outside 1–4/],
    ["10.0.0.0/16", 2.5, /azCount 2.5 is outside 1–4/],
  ];
  for (const [cidr, azCount, message] of invalid) {
    it(`throws a RangeError for ${cidr} with ${azCount} AZs`, () => {
      assert.throws(
        () => planSubnets(cidr, azCount),
        (e: unknown) => {
          assert.ok(e instanceof RangeError);
          assert.match(e.message, message);
          return true;
        },
      );
    });
  }
});
