/**
 * Test support: a loopback stand-in for the Kubernetes API server (HTTPS with its own CA, bearer
 * tokens checked, one answer per path, a record of what it was asked) and the recorded Argo
 * answers in testdata/argo.
 */
import * as fs from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { selfSignedCertificate } from "@acme/service-kit/testCertificate";
import type { ArgoWorkflow } from "./argoStatus";

/** Where the recorded Argo answers are. */
export const WORKFLOW_FIXTURES = path.join(__dirname, "testdata", "argo");

/** A recorded answer by its file name (without `.json`). */
export const fixture = <T = ArgoWorkflow>(name: string): T =>
  JSON.parse(fs.readFileSync(path.join(WORKFLOW_FIXTURES, `${name}.json`), "utf8")) as T;

/**
 * A loopback stand-in for the Kubernetes API server: HTTPS with its own CA, bearer tokens
 * checked, one answer per path, and a record of what it was asked.
 */
export class FakeKubernetesApi {
  readonly cert = selfSignedCertificate("localhost");
  readonly answers = new Map<string, { status: number; body: unknown }>();
  readonly requests: { path: string; authorization?: string }[] = [];
  token = "token-1";
  private server?: Server;
  url = "";

  async start(): Promise<this> {
    this.server = createServer({ cert: this.cert.cert, key: this.cert.key }, (req, res) => {
      this.requests.push({ path: req.url ?? "", authorization: req.headers.authorization });
      const answer =
        req.headers.authorization !== `Bearer ${this.token}`
          ? { status: 401, body: { kind: "Status", code: 401, message: "Unauthorized" } }
          : (this.answers.get(req.url ?? "") ?? {
              status: 404,
              body: fixture("status-not-found"),
            });
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "localhost", resolve));
    this.url = `https://localhost:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo).port;
  }

  /** A service-account directory (token and CA) as the kubelet mounts it. */
  serviceAccountDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "service-a-sa-"));
    fs.writeFileSync(path.join(dir, "token"), `${this.token}\n`);
    fs.writeFileSync(path.join(dir, "ca.crt"), this.cert.cert);
    return dir;
  }

  close(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
