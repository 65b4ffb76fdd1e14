/**
 * A second, TLS listener for a service's Fastify server: the port a load balancer outside the mesh
 * sends HTTPS to (docs/api-hops.md). The plain port stays for the kubelet's probes, Prometheus and
 * meshed callers, whose traffic Linkerd already encrypts.
 *
 * The certificate and key are files (a Kubernetes TLS Secret mounted read-only, written by
 * cert-manager). cert-manager renews the certificate before it expires and the kubelet swaps the
 * mounted files atomically; the listener re-reads them every `reloadIntervalMs` and, when they
 * changed, hands the new pair to `server.setSecureContext`: new connections get the new
 * certificate, open ones keep theirs, and nothing restarts. A pair that does not load (a key that
 * does not match its certificate) is logged and the old one kept until the next read.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { SecureContextOptions } from "node:tls";
import type { FastifyInstance } from "fastify";
import { envVar, parse } from "./config";
import type { Logger } from "./logger";

/**
 * The lowest TLS version served (TLS 1.0 and 1.1 are deprecated, RFC 8996). Node's OpenSSL
 * refuses them at its default security level already; set here so the floor does not depend on
 * the runtime's defaults.
 */
export const TLS_MIN_VERSION = "TLSv1.2";

/** The TLS listener's variables; a service spreads them into its ENV spec. */
export const TLS_ENV = {
  tlsPort: envVar("TLS_PORT", parse.int(0, 65535), {
    optional: true,
    doc: "The HTTPS port (for the load balancer); unset: no TLS listener. Needs `TLS_CERT_FILE` and `TLS_KEY_FILE`.",
  }),
  tlsCertFile: envVar("TLS_CERT_FILE", parse.text(), {
    optional: true,
    doc: "The PEM certificate chain the HTTPS port serves (`tls.crt` of the mounted Secret); re-read when it changes.",
  }),
  tlsKeyFile: envVar("TLS_KEY_FILE", parse.text(), {
    optional: true,
    doc: "The PEM private key of `TLS_CERT_FILE` (`tls.key` of the mounted Secret).",
  }),
  tlsReloadIntervalMs: envVar("TLS_RELOAD_INTERVAL_MS", parse.int(1000, 3_600_000), {
    default: 60_000,
    doc: "How often the certificate and key files are re-read; a renewed pair is served from the next connection on.",
  }),
};

/** Where the TLS listener finds its certificate, and where it listens. */
export interface TlsListenerOptions {
  /** The port to listen on (0 picks a free one). */
  port: number;
  /** @default the main listener's host, else "0.0.0.0" */
  host?: string;
  certFile: string;
  keyFile: string;
  /**
   * How often the files are re-read.
   * @default 60000
   */
  reloadIntervalMs?: number;
}

/** Checks that the TLS variables come together; returns the problems (empty when fine). */
export function tlsConfigProblems(config: {
  tlsPort?: number;
  tlsCertFile?: string;
  tlsKeyFile?: string;
}): string[] {
  const given = [config.tlsPort, config.tlsCertFile, config.tlsKeyFile].filter(
    (v) => v !== undefined,
  ).length;
  if (given === 0 || given === 3) return [];
  return [
    "TLS_PORT, TLS_CERT_FILE and TLS_KEY_FILE go together: set all three (the HTTPS listener) or none",
  ];
}

/** The HTTPS server in front of a Fastify instance's routes, with certificate reloading. */
export class TlsListener {
  readonly server: Server;
  private current: { cert: string; key: string };
  private timer?: NodeJS.Timeout;

  constructor(
    app: FastifyInstance,
    private readonly options: TlsListenerOptions,
    private readonly logger: Logger,
  ) {
    this.current = this.read();
    this.server = createServer(
      { ...this.current, minVersion: TLS_MIN_VERSION } satisfies SecureContextOptions,
      // Fastify's router: the same routes, hooks and error handling as the plain port.
      (req, res) => app.routing(req, res),
    );
  }

  private read(): { cert: string; key: string } {
    return {
      cert: readFileSync(this.options.certFile, "utf8"),
      key: readFileSync(this.options.keyFile, "utf8"),
    };
  }

  /**
   * Re-reads the files and serves the new pair if it changed. Returns whether the served
   * certificate changed. The timer calls it; tests call it directly.
   */
  reload(): boolean {
    let next: { cert: string; key: string };
    try {
      next = this.read();
    } catch (error) {
      this.logger.warn(
        { err: error },
        "tls: cannot read the certificate files; keeping the old pair",
      );
      return false;
    }
    if (next.cert === this.current.cert && next.key === this.current.key) return false;
    try {
      this.server.setSecureContext({ ...next, minVersion: TLS_MIN_VERSION });
    } catch (error) {
      this.logger.warn(
        { err: error },
        "tls: the new certificate and key do not load; keeping the old pair",
      );
      return false;
    }
    this.current = next;
    this.logger.info({ cert_file: this.options.certFile }, "tls: serving the renewed certificate");
    return true;
  }

  /** Starts listening and reloading. */
  async listen(defaultHost: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.options.port, this.options.host ?? defaultHost, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    this.timer = setInterval(() => this.reload(), this.options.reloadIntervalMs ?? 60_000);
    // The reload timer never keeps a stopping process alive.
    this.timer.unref();
    return this.address();
  }

  address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  /** Stops accepting, lets requests in flight finish, and stops reloading. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (!this.server.listening) return;
    await new Promise<void>((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeIdleConnections();
    });
  }
}

const LISTENERS = new WeakMap<FastifyInstance, TlsListener>();

/** The TLS listener createHttpService attached to `app`, if any. */
export function tlsListenerOf(app: FastifyInstance): TlsListener | undefined {
  return LISTENERS.get(app);
}

/**
 * Attaches a TLS listener to `app` (createHttpService does, given `tls`); {@link listenService}
 * starts it after the plain port, and `app.close()` stops it.
 */
export function attachTlsListener(
  app: FastifyInstance,
  options: TlsListenerOptions,
  logger: Logger,
): TlsListener {
  const listener = new TlsListener(app, options, logger);
  LISTENERS.set(app, listener);
  app.addHook("onClose", async () => listener.close());
  return listener;
}

/**
 * Starts the service's listeners: the plain port, then the TLS one if it has one (Fastify's own
 * onListen hooks do not hold `listen()` back, so the TLS port is started here, where a failure
 * to bind it fails the start).
 */
export async function listenService(
  app: FastifyInstance,
  options: { port: number; host: string },
): Promise<{ port: number; tlsPort?: number }> {
  await app.listen(options);
  const port = (app.server.address() as AddressInfo).port;
  const tls = tlsListenerOf(app);
  if (!tls) return { port };
  return { port, tlsPort: (await tls.listen(options.host)).port };
}
