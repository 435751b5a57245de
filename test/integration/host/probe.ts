/**
 * Runs the real host driver (real rtnetlink, real systeminformation, real /proc) the
 * way the agent would, in whatever network namespace it is started in, and prints
 * JSON lines on stdout:
 *   {"type":"inventory","inventory":{...}}            once, after start
 *   {"type":"health",...} and {"type":"metrics","text":...}   once, after that
 *   {"type":"state","reason":R,"links":[...],"addresses":[...]}   after every observe
 * An observe runs at start and after every markDirty (coalesced, like the agent's
 * reconcile loop). It exits on SIGTERM, on stdin closing, or after PROBE_MAX_SECONDS.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { hostDriverFactory, type HostDriverConfig } from '../../../agent/drivers/host/index.js';
import type { DriverContext } from '../../../agent/drivers/driver.js';
import { systemClock } from '../../../agent/host/clock.js';
import { execFile } from '../../../agent/host/exec.js';
import { validateConfig } from '../../../lib/config-schema.js';
import { silentLog } from '../../../lib/log.js';

const maxSeconds = Number(process.env.PROBE_MAX_SECONDS ?? 60);
const dir = await mkdtemp(join(tmpdir(), 'plt-host-probe-'));
const print = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');

let dirty: string | undefined;
let running = false;
let observeNow: (reason: string) => void = () => undefined;

const ctx: DriverContext = {
  log: silentLog(),
  exec: execFile,
  clock: systemClock,
  metrics: new Registry(),
  markDirty: (reason) => observeNow(reason),
  emit: () => undefined,
  paths: { stateDir: dir, runDir: dir },
};
const config = validateConfig<HostDriverConfig>(hostDriverFactory.configSchema, {}, 'probe');
const driver = hostDriverFactory.create(ctx, config);

observeNow = (reason) => {
  dirty = reason;
  if (running) return;
  running = true;
  void (async () => {
    while (dirty !== undefined) {
      const why = dirty;
      dirty = undefined;
      try {
        const obs = await driver.observe(AbortSignal.timeout(5000));
        print({
          type: 'state',
          reason: why,
          links: obs.objects.filter((o) => o.kind === 'host.link'),
          addresses: obs.objects.filter((o) => o.kind === 'host.address').map((o) => o.id),
        });
      } catch (e) {
        print({ type: 'error', message: e instanceof Error ? e.message : String(e) });
      }
    }
    running = false;
  })();
};

let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  await driver.stop?.().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
  process.exit(code);
};
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));
process.stdin.on('end', () => void stop(0));
process.stdin.resume();
setTimeout(() => void stop(3), maxSeconds * 1000).unref();

await driver.start?.();
const inventory = await driver.inventory!(AbortSignal.timeout(30_000));
print({ type: 'inventory', inventory });
print({ type: 'health', health: await driver.health(AbortSignal.timeout(5000)) });
print({ type: 'metrics', text: await ctx.metrics.metrics() });
observeNow('start');
