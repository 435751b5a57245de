import type {
  ApplyResult,
  Driver,
  DriverContext,
  DriverFactory,
  Health,
  Observation,
} from '../driver.js';
import { errorMessage } from '../driver.js';
import { ErrorCodes, toPlinthError } from '../../../lib/errors.js';
import type { JsonObject } from '../../../lib/json.js';
import { frrConfigSchema, type FrrConfig } from './config.js';
import { parseBgpDesired } from './desired.js';
import { createBgpMetrics } from './metrics.js';
import { sessionEvents, toObjects } from './observation.js';
import {
  parseBfdPeers,
  parseInterfaces,
  parseJsonText,
  parseLocalRoutes,
  parseNeighbors,
  parseSummaryInstance,
  parseSummaryPeers,
  sessionFingerprint,
  splitEchoed,
  withDynamic,
} from './parse-json.js';
import { parseRunningConfig } from './parse-running-config.js';
import { assemble, plan, stepResults, type Plan } from './plan.js';
import type { BgpDesired, FrrSnapshot, RunningBgp } from './types.js';
import { createVtysh } from './vtysh.js';

export type { FrrConfig } from './config.js';
export type { BgpDesired } from './types.js';

const SUMMARY = 'show bgp summary json';
export const OBSERVE_COMMANDS = [
  SUMMARY,
  'show bgp neighbors json',
  'show bgp ipv4 unicast json',
  'show bgp ipv6 unicast json',
  'show interface brief json',
  'show running-config',
] as const;
/**
 * The summary comes first on purpose: with bgpd down, `show running-config` still succeeds
 * (without the BGP section) and a plan against it would try to recreate everything. vtysh
 * stops at the first command that fails, so a dead bgpd fails the whole read.
 */
export const CONFIG_COMMANDS = [
  SUMMARY,
  'show running-config',
  'show interface brief json',
] as const;

function section(parts: Map<string, string>, cmd: string): string {
  const text = parts.get(cmd);
  if (text === undefined) {
    throw toPlinthError(new Error(`vtysh output has no section for "${cmd}"`), ErrorCodes.PARSE);
  }
  return text;
}

/** Pure: the combined observe output (+ the BFD output, null when bfdd is not running). */
export function parseObserveOutput(output: string, bfdOutput: string | null): FrrSnapshot {
  const parts = splitEchoed(output, OBSERVE_COMMANDS);
  const json = (cmd: string): unknown => parseJsonText(section(parts, cmd), cmd);
  const summary = json(SUMMARY);
  return {
    instance: parseSummaryInstance(summary),
    neighbors: withDynamic(
      parseNeighbors(json('show bgp neighbors json')),
      parseSummaryPeers(summary),
    ),
    localRoutes: [
      ...parseLocalRoutes(json('show bgp ipv4 unicast json'), 'ipv4'),
      ...parseLocalRoutes(json('show bgp ipv6 unicast json'), 'ipv6'),
    ],
    interfaces: parseInterfaces(json('show interface brief json')),
    running: parseRunningConfig(section(parts, 'show running-config')),
    bfdPeers:
      bfdOutput === null ? null : parseBfdPeers(parseJsonText(bfdOutput, 'show bfd peers json')),
  };
}

export function createFrrDriver(ctx: DriverContext, cfg: FrrConfig): Driver<BgpDesired | null> {
  const vtysh = createVtysh(ctx.exec, cfg);
  const metrics = createBgpMetrics(ctx.metrics);
  const log = ctx.log.child({ driver: 'frr' });
  let fingerprint: string | null = null;
  let lastStates: Map<string, string> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let polling: Promise<void> | null = null;
  let stopped = true;

  /** Cheap poll: one small JSON call; any change in session state marks the driver dirty. */
  const poll = async (): Promise<void> => {
    let fp: string;
    try {
      fp = sessionFingerprint(parseJsonText(await vtysh.show([SUMMARY], { echo: false }), SUMMARY));
    } catch (e) {
      fp = `unavailable`;
      log.debug({ err: errorMessage(e) }, 'frr poll failed');
    }
    if (fingerprint !== null && fp !== fingerprint) ctx.markDirty('frr: BGP session state changed');
    fingerprint = fp;
  };

  const schedule = (): void => {
    if (stopped || cfg.pollIntervalMs <= 0) return;
    timer = setTimeout(() => {
      polling = poll().finally(() => {
        polling = null;
        schedule();
      });
    }, cfg.pollIntervalMs);
    timer.unref?.();
  };

  const readConfig = async (
    signal: AbortSignal,
  ): Promise<{ running: RunningBgp; interfaces: string[] | null }> => {
    const out = await vtysh.show(CONFIG_COMMANDS, { echo: true, signal });
    const parts = splitEchoed(out, CONFIG_COMMANDS);
    parseJsonText(section(parts, SUMMARY), SUMMARY);
    const running = parseRunningConfig(section(parts, 'show running-config'));
    let interfaces: string[] | null = null;
    try {
      interfaces = parseInterfaces(
        parseJsonText(section(parts, 'show interface brief json'), 'show interface brief json'),
      ).map((i) => i.name);
    } catch {
      interfaces = null;
    }
    return { running, interfaces };
  };

  const snapshot = async (signal: AbortSignal): Promise<FrrSnapshot> => {
    const [main, bfd] = await Promise.all([
      vtysh.show(OBSERVE_COMMANDS, { echo: true, signal }),
      cfg.bfd
        ? vtysh.show(['show bfd peers json'], { echo: false, signal }).catch(() => null)
        : Promise.resolve(null),
    ]);
    return parseObserveOutput(main, bfd);
  };

  return {
    name: 'frr',
    desiredKey: 'bgp',

    async start() {
      stopped = false;
      schedule();
    },

    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await polling;
    },

    async inventory(signal) {
      try {
        const out = await vtysh.show(['show version'], { echo: false, signal });
        const m = /FRRouting\s+(\S+)/.exec(out);
        return { frrVersion: m?.[1] ?? null } satisfies JsonObject;
      } catch {
        return { frrVersion: null };
      }
    },

    async health(signal): Promise<Health> {
      try {
        parseJsonText(await vtysh.show([SUMMARY], { echo: false, signal }), SUMMARY);
        return { status: 'healthy' };
      } catch (e) {
        return {
          status: 'unhealthy',
          code: ErrorCodes.FRR_UNAVAILABLE,
          message: errorMessage(e),
        };
      }
    },

    async observe(signal): Promise<Observation> {
      let s: FrrSnapshot;
      try {
        s = await snapshot(signal);
      } catch (e) {
        metrics.update(null);
        throw toPlinthError(e, ErrorCodes.FRR_UNAVAILABLE);
      }
      metrics.update(s);
      for (const ev of sessionEvents(lastStates, s.neighbors)) ctx.emit(ev);
      lastStates = new Map(s.neighbors.map((n) => [n.id, n.state]));
      return { objects: toObjects(s) };
    },

    parseDesired: parseBgpDesired,

    async apply(desired, _observed, signal): Promise<ApplyResult[]> {
      if (desired === null) return [];
      let before: { running: RunningBgp; interfaces: string[] | null };
      try {
        // Plan against a fresh read: the observation may be a pass old.
        before = await readConfig(signal);
      } catch (e) {
        return unavailableResults(desired, errorMessage(e));
      }
      const p = plan({ desired, ...before });
      if (p.commands.length === 0) return p.results;

      log.info({ commands: p.commands }, 'frr: applying configuration');
      let failure: string | null = null;
      try {
        const out = await vtysh.configure(p.commands, { save: cfg.save, signal });
        log.debug({ out: out.slice(-500) }, 'frr: vtysh configure output');
      } catch (e) {
        failure = errorMessage(e);
      }
      let after: Plan;
      let bgpdAnswers = true;
      try {
        after = plan({ desired, ...(await readConfig(signal)) });
        if (failure !== null && after.steps.length > 0) {
          // vtysh stops at the first command FRR refuses: retry what is left one object at a
          // time, so one bad object cannot hold back the others (bounded by the step count).
          for (const step of after.steps) {
            try {
              await vtysh.configure(assemble(desired.asn, [step]), { save: false, signal });
            } catch (e) {
              log.warn({ kind: step.kind, id: step.id, err: errorMessage(e) }, 'frr: step refused');
            }
          }
          after = plan({ desired, ...(await readConfig(signal)) });
        }
      } catch (e) {
        failure ??= errorMessage(e);
        after = p;
        bgpdAnswers = false;
      }
      const results: ApplyResult[] = [...p.results, ...stepResults(p.steps, after, failure)];
      if (cfg.save && failure !== null && bgpdAnswers) {
        // Whatever FRR took must survive an FRR restart, even when the batch stopped halfway.
        // Never while bgpd is down: `write memory` would save a config without the BGP section.
        try {
          await vtysh.save(signal);
        } catch (e) {
          results.push({
            kind: 'bgp.instance',
            id: 'default',
            ok: false,
            code: ErrorCodes.EXEC_FAILED,
            message: `configuration applied but not saved (write memory): ${errorMessage(e)}`,
          });
        }
      }
      ctx.markDirty('frr: configuration applied');
      return results;
    },
  };
}

function unavailableResults(desired: BgpDesired, message: string): ApplyResult[] {
  const r = (kind: string, id: string): ApplyResult => ({
    kind,
    id,
    ok: false,
    code: ErrorCodes.FRR_UNAVAILABLE,
    message,
  });
  return [
    r('bgp.instance', 'default'),
    ...desired.neighbors.map((n) => r('bgp.neighbor', n.id)),
    ...desired.prefixes.map((p) => r('bgp.prefix', p)),
  ];
}

export const frrDriverFactory: DriverFactory<FrrConfig> = {
  name: 'frr',
  configSchema: frrConfigSchema,
  create: (ctx, config) => createFrrDriver(ctx, config),
};
