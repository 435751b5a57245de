import Docker from 'dockerode';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import { summarizeContainer, type ContainerSummary, type RawContainer } from './parse.js';

/**
 * The Docker Engine API over its unix socket (dockerode). Every request carries the
 * client-wide timeout, so a wedged dockerd costs one timeout, never a blocked agent.
 */
export interface DockerApi {
  ping(): Promise<void>;
  version(): Promise<{ version: string; apiVersion: string; storageDriver?: string }>;
  list(): Promise<ContainerSummary[]>;
  /** Only for containers the operator asked plinth to act on (a container-run OSD). */
  stop(id: string, graceSeconds: number): Promise<void>;
  start(id: string): Promise<void>;
  /**
   * Follow container lifecycle events; `onEvent` per event, `onEnd` once when the
   * stream ends or fails. Returns a function that closes the stream.
   */
  watch(
    onEvent: (action: string, name: string) => void,
    onEnd: (err?: Error) => void,
  ): Promise<() => void>;
}

function unavailable(socketPath: string, e: unknown): PlinthError {
  const msg = e instanceof Error ? e.message : String(e);
  return new PlinthError(ErrorCodes.DOCKER_UNAVAILABLE, `docker at ${socketPath}: ${msg}`, {
    socketPath,
  });
}

export function createDockerApi(socketPath: string, timeoutMs: number): DockerApi {
  const docker = new Docker({ socketPath, timeout: timeoutMs });
  const wrap = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      throw unavailable(socketPath, e);
    }
  };
  return {
    ping: () => wrap(async () => void (await docker.ping())),
    version: () =>
      wrap(async () => {
        const v = await docker.version();
        return { version: v.Version, apiVersion: v.ApiVersion };
      }),
    list: () =>
      wrap(async () =>
        ((await docker.listContainers({ all: true })) as RawContainer[]).map(summarizeContainer),
      ),
    stop: (id, graceSeconds) =>
      wrap(async () => {
        // A stop of an already stopped container answers 304: that is the outcome we want.
        // The stop request lasts as long as the grace period: its own, longer client timeout.
        const slow = new Docker({ socketPath, timeout: (graceSeconds + 15) * 1000 });
        try {
          await slow.getContainer(id).stop({ t: graceSeconds });
        } catch (e) {
          if ((e as { statusCode?: number }).statusCode !== 304) throw e;
        }
      }),
    async watch(onEvent, onEnd) {
      // A long-lived stream: its own client without the idle timeout of requests.
      const follower = new Docker({ socketPath });
      const stream = (await wrap(() =>
        follower.getEvents({ filters: { type: ['container'] } }),
      )) as NodeJS.ReadableStream & { destroy?: () => void };
      let ended = false;
      const end = (err?: Error) => {
        if (ended) return;
        ended = true;
        onEnd(err);
      };
      let buf = '';
      stream.on('data', (chunk: Buffer) => {
        buf += chunk.toString('utf8');
        // One JSON object per line; bounded in case a line never ends.
        if (buf.length > 1024 * 1024) buf = '';
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          try {
            const ev = JSON.parse(line) as {
              Action?: string;
              Actor?: { Attributes?: { name?: string } };
            };
            onEvent(ev.Action ?? '', ev.Actor?.Attributes?.name ?? '');
          } catch {
            /* a torn line: the periodic relist covers it */
          }
        }
      });
      stream.on('end', () => end());
      stream.on('error', (e: Error) => end(e));
      return () => {
        ended = true;
        stream.destroy?.();
      };
    },
    start: (id) =>
      wrap(async () => {
        try {
          await docker.getContainer(id).start();
        } catch (e) {
          if ((e as { statusCode?: number }).statusCode !== 304) throw e;
        }
      }),
  };
}
