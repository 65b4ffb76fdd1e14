import * as assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { connect, type PeerCertificate } from "node:tls";
import { after, describe, it } from "node:test";
import { createHttpService, Readiness } from "./http";
import { createLogger } from "./logger";
import { createMetrics } from "./metrics";
import { selfSignedCertificate, type TestCertificate } from "./testCertificate";
import { listenService, TLS_ENV, tlsConfigProblems, tlsListenerOf, type TlsListener } from "./tls";
import { readEnv } from "./config";

/** The certificate the server presents to a new connection, and the TLS version agreed. */
function handshake(
  port: number,
  options: { maxVersion?: "TLSv1.2" | "TLSv1.3" } = {},
): Promise<{ fingerprint: string; protocol: string | null }> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: "127.0.0.1", port, rejectUnauthorized: false, ...options },
      () => {
        const cert: PeerCertificate = socket.getPeerCertificate();
        resolve({ fingerprint: cert.fingerprint256, protocol: socket.getProtocol() });
        socket.end();
      },
    );
    socket.once("error", reject);
  });
}

const fingerprintOf = (pem: string) => new X509Certificate(pem).fingerprint256;

describe("TLS listener", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "kit-tls-"));
  const certFile = path.join(dir, "tls.crt");
  const keyFile = path.join(dir, "tls.key");
  const write = (c: TestCertificate) => {
    writeFileSync(certFile, c.cert);
    writeFileSync(keyFile, c.key);
  };
  const first = selfSignedCertificate();
  // The listener reads the files when it is created: they exist first.
  write(first);
  let listener: TlsListener;
  let port: number;

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("the test certificate is a valid self-signed X.509 certificate for localhost", () => {
    const x509 = new X509Certificate(first.cert);
    assert.equal(x509.subject, "CN=localhost");
    assert.equal(x509.subjectAltName, "DNS:localhost");
    assert.ok(x509.verify(x509.publicKey), "signed by its own key");
  });

  it("serves the routes over HTTPS on its own port, beside the plain one, with TLS 1.2 and 1.3", async () => {
    const served = createHttpService({
      logger: createLogger("kit-test", { level: "silent" }),
      metrics: createMetrics("kit-test", { processMetrics: false }),
      readiness: new Readiness(),
      tls: { port: 0, certFile, keyFile, reloadIntervalMs: 3_600_000 },
    });
    served.get("/hello", async () => ({ hello: "tls" }));
    const ports = await listenService(served, { port: 0, host: "127.0.0.1" });
    try {
      listener = tlsListenerOf(served) as TlsListener;
      port = listener.address().port;
      assert.equal(ports.tlsPort, port);
      assert.notEqual(port, ports.port);

      const body = await new Promise<string>((resolve, reject) => {
        request({ host: "127.0.0.1", port, path: "/readyz", rejectUnauthorized: false }, (res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString()));
          res.on("end", () => resolve(`${res.statusCode} ${text}`));
        })
          .on("error", reject)
          .end();
      });
      assert.equal(body, '200 {"status":"ready"}');

      const hello = await handshake(port);
      assert.equal(hello.fingerprint, fingerprintOf(first.cert));
      assert.equal(hello.protocol, "TLSv1.3");
      assert.equal((await handshake(port, { maxVersion: "TLSv1.2" })).protocol, "TLSv1.2");

      // cert-manager renews: the mounted files change; the next connection gets the new pair.
      const second = selfSignedCertificate();
      write(second);
      assert.equal(listener.reload(), true);
      assert.equal((await handshake(port)).fingerprint, fingerprintOf(second.cert));
      assert.notEqual(fingerprintOf(second.cert), fingerprintOf(first.cert));
      assert.equal(listener.reload(), false, "unchanged files are not reloaded");

      // A key that does not match its certificate is refused; the served pair stays.
      writeFileSync(keyFile, selfSignedCertificate().key);
      assert.equal(listener.reload(), false);
      assert.equal((await handshake(port)).fingerprint, fingerprintOf(second.cert));
    } finally {
      await served.close();
    }
    assert.equal(listener.server.listening, false, "app.close() stops the TLS listener too");
  });

  it("reads its settings from the environment, all three or none", () => {
    assert.deepEqual(
      readEnv(TLS_ENV, {
        TLS_PORT: "8443",
        TLS_CERT_FILE: "/etc/tls/tls.crt",
        TLS_KEY_FILE: "/etc/tls/tls.key",
      }),
      {
        tlsPort: 8443,
        tlsCertFile: "/etc/tls/tls.crt",
        tlsKeyFile: "/etc/tls/tls.key",
        tlsReloadIntervalMs: 60_000,
      },
    );
    assert.deepEqual(tlsConfigProblems({}), []);
    assert.deepEqual(tlsConfigProblems({ tlsPort: 8443, tlsCertFile: "a", tlsKeyFile: "b" }), []);
    assert.match(tlsConfigProblems({ tlsPort: 8443 })[0], /go together/);
  });
});
