/**
 * Test support: a self-signed X.509 certificate made with node:crypto alone (no openssl, no
 * dependency), for serving TLS on loopback in tests. ECDSA P-256, signed with SHA-256, a
 * subjectAltName of `localhost`, valid from an hour ago for a day.
 */
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";

const der = (tag: number, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  const n = body.length;
  const length =
    n < 0x80
      ? Buffer.from([n])
      : n < 0x100
        ? Buffer.from([0x81, n])
        : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, body]);
};
const seq = (...parts: Buffer[]) => der(0x30, ...parts);
const set = (...parts: Buffer[]) => der(0x31, ...parts);
const oid = (dotted: string): Buffer => {
  const [a, b, ...rest] = dotted.split(".").map(Number);
  const bytes = [a * 40 + b];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
};
const utf8 = (s: string) => der(0x0c, Buffer.from(s, "utf8"));
const utcTime = (d: Date) =>
  der(0x17, Buffer.from(d.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z"));
const ECDSA_WITH_SHA256 = seq(oid("1.2.840.10045.4.3.2"));

/** A PEM certificate and its PEM (PKCS#8) private key. */
export interface TestCertificate {
  cert: string;
  key: string;
}

/** A fresh self-signed certificate for `commonName` (also its DNS subjectAltName). */
export function selfSignedCertificate(commonName = "localhost"): TestCertificate {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const name = seq(set(seq(oid("2.5.4.3"), utf8(commonName))));
  const now = Date.now();
  const serial = randomBytes(16);
  serial[0] &= 0x7f; // a positive INTEGER
  const subjectAltName = seq(
    oid("2.5.29.17"),
    der(0x04, seq(der(0x82, Buffer.from(commonName, "ascii")))),
  );
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))), // v3
    der(0x02, serial),
    ECDSA_WITH_SHA256,
    name,
    seq(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 86_400_000))),
    name,
    publicKey.export({ type: "spki", format: "der" }),
    der(0xa3, seq(subjectAltName)),
  );
  const signature = sign("sha256", tbs, privateKey);
  const certificate = seq(tbs, ECDSA_WITH_SHA256, der(0x03, Buffer.from([0]), signature));
  const pem = (label: string, body: Buffer) =>
    `-----BEGIN ${label}-----\n${body
      .toString("base64")
      .replace(/.{64}/g, "$&\n")
      .replace(/\n$/, "")}\n-----END ${label}-----\n`;
  return {
    cert: pem("CERTIFICATE", certificate),
    key: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
  };
}
