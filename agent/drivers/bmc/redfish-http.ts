import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';

/**
 * A minimal Redfish HTTPS client shared by the agent's BMC driver (sensors) and the
 * coordinator's fencing (power). Trust is explicit: the BMC's CA, or a pinned SHA-256
 * certificate fingerprint, or `insecureSkipVerify` (which the callers log loudly).
 *
 * The TLS handshake (and the pin check) completes BEFORE any HTTP byte is written, so
 * credentials never reach a server whose certificate was not accepted.
 */

export interface TlsPolicy {
  /** PEM of the CA (or the self-signed certificate) that signed the BMC's certificate. */
  caPem?: string;
  /** SHA-256 fingerprint of the BMC's leaf certificate (hex, colons optional). */
  pinnedSha256?: string;
  /** Accept any certificate. Explicit and loud; never a default. */
  insecureSkipVerify?: boolean;
}

export interface RedfishEndpoint {
  /** https://host[:port] (no path). */
  baseUrl: string;
  user: string;
  password: string;
  tls: TlsPolicy;
}

export interface RedfishResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: unknown;
}

const MAX_BODY = 4 * 1024 * 1024;
const SAFE_PATH = /^\/redfish\/v1(\/[A-Za-z0-9._~:@!$&'()*+,;=%-]*)*(\?[A-Za-z0-9._~=&$%-]*)?$/;

export function normaliseFingerprint(fp: string): string {
  return fp.replace(/[:\s]/g, '').toUpperCase();
}

/** Validate a base URL: https only, host and optional port, no credentials or path. */
export function parseBaseUrl(baseUrl: string): { host: string; port: number } {
  let u: URL;
  try {
    u = new URL(baseUrl);
  } catch {
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `invalid Redfish URL ${JSON.stringify(baseUrl.slice(0, 100))}`,
    );
  }
  if (u.protocol !== 'https:')
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `Redfish URL must be https:// (got ${u.protocol})`,
    );
  if (u.username || u.password)
    throw new PlinthError(ErrorCodes.INVALID_ARGUMENT, 'Redfish URL must not carry credentials');
  if (u.pathname !== '/' && u.pathname !== '')
    throw new PlinthError(ErrorCodes.INVALID_ARGUMENT, 'Redfish URL must not have a path');
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return { host, port: u.port ? Number(u.port) : 443 };
}

/** A path from a BMC's @odata.id, checked before it is requested. */
export function assertRedfishPath(path: string): string {
  if (!SAFE_PATH.test(path) || path.includes('/../') || path.endsWith('/..')) {
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `refusing Redfish path ${JSON.stringify(path.slice(0, 100))}`,
    );
  }
  return path;
}

function openTls(host: string, port: number, tls: TlsPolicy, deadline: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const pinned = tls.pinnedSha256 ? normaliseFingerprint(tls.pinnedSha256) : undefined;
    // A pin alone replaces chain checks (self-signed BMC certificates); with a CA too, both apply.
    const verifyChain = !tls.insecureSkipVerify && (!pinned || tls.caPem !== undefined);
    const socket = tlsConnect({
      host,
      port,
      servername: isIP(host) ? undefined : host,
      ca: tls.caPem,
      rejectUnauthorized: verifyChain,
      ALPNProtocols: ['http/1.1'],
    });
    const timer = setTimeout(
      () => {
        socket.destroy();
        reject(
          new PlinthError(
            ErrorCodes.TIMEOUT,
            `Redfish ${host}:${port}: no TLS handshake within the deadline`,
            { host, port },
          ),
        );
      },
      Math.max(1, deadline - Date.now()),
    );
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const tlsProblem = /certificate|self.signed|unable to verify|altnames|CERT_/i.test(
        `${e.code ?? ''} ${e.message}`,
      );
      reject(
        new PlinthError(
          ErrorCodes.BMC_UNAVAILABLE,
          tlsProblem
            ? `Redfish ${host}:${port}: certificate not trusted (${e.code ?? e.message}); configure the BMC's CA or a pinned fingerprint`
            : `Redfish ${host}:${port}: ${e.code ?? e.message}`,
          { host, port, errno: e.code, tls: tlsProblem },
        ),
      );
    });
    socket.once('secureConnect', () => {
      if (pinned) {
        const fp = normaliseFingerprint(socket.getPeerCertificate().fingerprint256 ?? '');
        if (fp !== pinned) {
          clearTimeout(timer);
          socket.destroy();
          reject(
            new PlinthError(
              ErrorCodes.BMC_UNAVAILABLE,
              `Redfish ${host}:${port}: certificate fingerprint ${fp} does not match the pinned one`,
              {
                host,
                port,
                tls: true,
              },
            ),
          );
          return;
        }
      }
      clearTimeout(timer);
      resolve(socket);
    });
  });
}

/** One HTTPS request on a fresh, verified connection. No auth: callers add headers. */
export async function redfishRawRequest(
  ep: Pick<RedfishEndpoint, 'baseUrl' | 'tls'>,
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH',
  path: string,
  opts: {
    headers?: Record<string, string>;
    body?: unknown;
    timeoutMs: number;
    signal?: AbortSignal;
  },
): Promise<RedfishResponse> {
  assertRedfishPath(path);
  const { host, port } = parseBaseUrl(ep.baseUrl);
  const deadline = Date.now() + opts.timeoutMs;
  if (opts.signal?.aborted) throw new PlinthError(ErrorCodes.TIMEOUT, 'Redfish request aborted');
  const socket = await openTls(host, port, ep.tls, deadline);
  const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
  return new Promise<RedfishResponse>((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | null, res?: RedfishResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(err);
      else resolve(res!);
    };
    const onAbort = () =>
      finish(new PlinthError(ErrorCodes.TIMEOUT, `Redfish ${method} ${path} aborted`));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () =>
        finish(
          new PlinthError(
            ErrorCodes.TIMEOUT,
            `Redfish ${method} ${path}: no reply within ${opts.timeoutMs} ms`,
            { host, port },
          ),
        ),
      Math.max(1, deadline - Date.now()),
    );
    const headers: Record<string, string> = {
      Host: port === 443 ? host : `${isIP(host) === 6 ? `[${host}]` : host}:${port}`,
      Accept: 'application/json',
      'OData-Version': '4.0',
      Connection: 'close',
      ...opts.headers,
    };
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const req = httpRequest({ method, path, headers, createConnection: () => socket }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) {
          finish(
            new PlinthError(
              ErrorCodes.PARSE,
              `Redfish ${path}: reply larger than ${MAX_BODY} bytes`,
            ),
          );
          return;
        }
        chunks.push(c);
      });
      res.on('error', (e) =>
        finish(new PlinthError(ErrorCodes.BMC_UNAVAILABLE, `Redfish ${path}: ${e.message}`)),
      );
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = undefined;
        if (text.trim() !== '') {
          try {
            body = JSON.parse(text);
          } catch {
            if ((res.statusCode ?? 0) < 300) {
              finish(new PlinthError(ErrorCodes.PARSE, `Redfish ${path}: reply is not JSON`));
              return;
            }
          }
        }
        finish(null, { status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('error', (e) =>
      finish(
        new PlinthError(ErrorCodes.BMC_UNAVAILABLE, `Redfish ${method} ${path}: ${e.message}`),
      ),
    );
    req.end(payload);
  });
}

export interface RedfishClient {
  get(path: string, signal?: AbortSignal): Promise<unknown>;
  /** POST; returns the response whatever its status (callers decide what 409 means). */
  post(path: string, body: unknown, signal?: AbortSignal): Promise<RedfishResponse>;
  /** Which auth the client ended up using. */
  authMode(): 'session' | 'basic' | 'none';
  /** Delete the session (best effort). */
  close(): Promise<void>;
}

function authError(ep: RedfishEndpoint, status: number): PlinthError {
  // The user name is fine in a message; the password never is.
  return new PlinthError(
    ErrorCodes.BMC_AUTH,
    `Redfish ${ep.baseUrl}: authentication failed for user ${JSON.stringify(ep.user)} (HTTP ${status})`,
    {
      baseUrl: ep.baseUrl,
      status,
    },
  );
}

function httpError(path: string, r: RedfishResponse): PlinthError {
  const code =
    r.status === 404
      ? ErrorCodes.NOT_FOUND
      : r.status === 409
        ? ErrorCodes.CONFLICT
        : ErrorCodes.BMC_UNAVAILABLE;
  let detail = '';
  const b = r.body as { error?: { message?: unknown } } | undefined;
  if (b && typeof b.error?.message === 'string') detail = `: ${b.error.message.slice(0, 200)}`;
  return new PlinthError(code, `Redfish ${path}: HTTP ${r.status}${detail}`, {
    status: r.status,
    path,
  });
}

/**
 * Session auth (SessionService, X-Auth-Token) with basic-auth fallback when the service
 * has no session support. A 401 on a session token logs in again once.
 */
export function createRedfishClient(
  ep: RedfishEndpoint,
  opts: { timeoutMs: number },
): RedfishClient {
  let mode: 'session' | 'basic' | 'none' = 'none';
  let token: string | undefined;
  let sessionPath: string | undefined;
  const basic = `Basic ${Buffer.from(`${ep.user}:${ep.password}`).toString('base64')}`;

  async function login(signal?: AbortSignal): Promise<void> {
    const root = await redfishRawRequest(ep, 'GET', '/redfish/v1/', {
      timeoutMs: opts.timeoutMs,
      signal,
    });
    if (root.status !== 200) throw httpError('/redfish/v1/', root);
    const links = (root.body as { Links?: { Sessions?: { '@odata.id'?: unknown } } } | undefined)
      ?.Links;
    const sessions =
      typeof links?.Sessions?.['@odata.id'] === 'string' ? links.Sessions['@odata.id'] : undefined;
    if (sessions) {
      const r = await redfishRawRequest(ep, 'POST', sessions, {
        body: { UserName: ep.user, Password: ep.password },
        timeoutMs: opts.timeoutMs,
        signal,
      });
      if (r.status === 401 || r.status === 403) throw authError(ep, r.status);
      const tok = r.headers['x-auth-token'];
      if ((r.status === 201 || r.status === 200) && typeof tok === 'string' && tok !== '') {
        token = tok;
        const loc = r.headers.location;
        sessionPath = typeof loc === 'string' ? new URL(loc, 'https://x').pathname : undefined;
        mode = 'session';
        return;
      }
      if (r.status >= 500 || ![404, 405, 501].includes(r.status)) throw httpError(sessions, r);
    }
    mode = 'basic';
  }

  async function authed(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<RedfishResponse> {
    if (mode === 'none') await login(signal);
    for (let attempt = 0; attempt < 2; attempt++) {
      const headers: Record<string, string> =
        mode === 'session' ? { 'X-Auth-Token': token! } : { Authorization: basic };
      const r = await redfishRawRequest(ep, method, path, {
        headers,
        body,
        timeoutMs: opts.timeoutMs,
        signal,
      });
      if (r.status !== 401) return r;
      if (mode === 'basic' || attempt === 1) throw authError(ep, r.status);
      // The session expired (BMCs drop idle sessions): log in again, once.
      mode = 'none';
      token = undefined;
      await login(signal);
    }
    throw authError(ep, 401);
  }

  return {
    async get(path, signal) {
      const r = await authed('GET', path, undefined, signal);
      if (r.status !== 200) throw httpError(path, r);
      return r.body;
    },
    post(path, body, signal) {
      return authed('POST', path, body, signal);
    },
    authMode: () => mode,
    async close() {
      if (mode !== 'session' || !token || !sessionPath) return;
      const t = token;
      token = undefined;
      mode = 'none';
      try {
        await redfishRawRequest(ep, 'DELETE', sessionPath, {
          headers: { 'X-Auth-Token': t },
          timeoutMs: opts.timeoutMs,
        });
      } catch {
        // Best effort: the BMC expires the session anyway.
      }
    },
  };
}
