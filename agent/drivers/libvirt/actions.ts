import { ErrorCodes, PlinthError, toPlinthError } from '../../../lib/errors.js';
import type { Clock } from '../../host/clock.js';
import type { ApplyResult } from '../driver.js';
import type { LibvirtApi } from './api.js';
import { parseDomainXml, stateName } from './parse.js';
import { isActive, type Action, type DomainPlan } from './plan.js';
import { renderPoolXml, renderVolumeXml } from './render.js';
import type { DomainRef } from './rpc/protocol.js';
import { OBJECT_KIND, type LibvirtConfig } from './types.js';

/**
 * The shell that runs one domain's action list, one action at a time. Every
 * destructive step re-checks plinth's ownership mark on the live domain first.
 */

const STOP_POLL_MS = 250;
const ACPI_RESEND_MS = 5000;

/** The calls actions make: a structural subset, so tests pass an object literal. */
export type DomainOps = Pick<
  LibvirtApi,
  | 'lookupByUuid'
  | 'domainXml'
  | 'domainState'
  | 'define'
  | 'start'
  | 'shutdown'
  | 'destroy'
  | 'undefine'
  | 'ensurePool'
  | 'ensureVolume'
>;

/** Lets a waiting stop wake up on the domain's next lifecycle event instead of polling blind. */
export class StateWaiters {
  private waiters = new Map<string, Set<() => void>>();

  wake(uuid: string): void {
    for (const w of this.waiters.get(uuid) ?? []) w();
  }

  /** Resolves on the next event for `uuid`, or after `ms`. */
  wait(uuid: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(uuid) ?? new Set();
      this.waiters.set(uuid, set);
      const done = () => {
        clearTimeout(t);
        set.delete(done);
        if (set.size === 0) this.waiters.delete(uuid);
        resolve();
      };
      const t = setTimeout(done, ms);
      set.add(done);
    });
  }
}

export interface ExecutorDeps {
  clock: Clock;
  config: Pick<LibvirtConfig, 'shutdownTimeoutMs' | 'poolName' | 'imagePoolDir'>;
  waiters: StateWaiters;
  /** Called for every domain an action touched (its cached XML is stale). */
  touched(uuid: string): void;
  /** Called before plinth defines a domain (its events are ours from now on). */
  defining(uuid: string): void;
}

export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (t: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** ACPI shutdown (pressed again every 5 s); destroy when still running after the timeout. */
async function stopDomain(
  d: ExecutorDeps,
  api: DomainOps,
  dom: DomainRef,
  uuid: string,
  signal: AbortSignal,
): Promise<'shutdown' | 'destroyed'> {
  const st = stateName((await api.domainState(dom)).state);
  if (!isActive(st)) return 'shutdown';
  const timeout = d.config.shutdownTimeoutMs;
  // A crashed (panicked) guest cannot answer ACPI.
  if (st !== 'crashed' && timeout > 0) {
    await api.shutdown(dom);
    let sentAt = d.clock.monotonic();
    const deadline = sentAt + timeout;
    const maxPolls = Math.ceil(timeout / STOP_POLL_MS) + 10;
    for (let i = 0; i < maxPolls && d.clock.monotonic() < deadline && !signal.aborted; i++) {
      await d.waiters.wait(
        uuid,
        Math.min(STOP_POLL_MS, Math.max(1, deadline - d.clock.monotonic())),
      );
      if (!isActive(stateName((await api.domainState(dom)).state))) return 'shutdown';
      // A guest still booting drops the power-button press: press it again.
      if (d.clock.monotonic() - sentAt >= ACPI_RESEND_MS) {
        await api.shutdown(dom);
        sentAt = d.clock.monotonic();
      }
    }
  }
  await api.destroy(dom);
  return 'destroyed';
}

async function runAction(
  d: ExecutorDeps,
  api: DomainOps,
  p: DomainPlan,
  a: Action,
  dom: DomainRef | undefined,
  signal: AbortSignal,
): Promise<{ dom?: DomainRef; note?: string }> {
  const need = (x: DomainRef | undefined): DomainRef => {
    if (!x) throw new PlinthError(ErrorCodes.NOT_FOUND, `domain ${p.name} (${p.uuid}) not found`);
    return x;
  };
  switch (a.kind) {
    case 'create-volume': {
      const pool = await api.ensurePool(
        d.config.poolName,
        renderPoolXml(d.config.poolName, d.config.imagePoolDir),
      );
      const created = await api.ensureVolume(
        pool,
        a.volume,
        renderVolumeXml(a.volume, a.sizeBytes),
      );
      return created ? { note: `volume ${a.volume} created` } : {};
    }
    case 'define': {
      // Defining over an existing UUID replaces that domain: re-check right before writing.
      const existing = await api.lookupByUuid(p.uuid);
      if (existing && !parseDomainXml(await api.domainXml(existing, true)).owned) {
        throw new PlinthError(
          ErrorCodes.CONFLICT,
          `domain ${existing.name} (${p.uuid}) is not owned by plinth: not redefining it`,
        );
      }
      d.defining(p.uuid);
      return { dom: await api.define(a.xml) };
    }
    case 'start':
      await api.start(need(dom));
      return {};
    case 'stop':
      return { note: await stopDomain(d, api, need(dom), p.uuid, signal) };
    case 'undefine':
      await api.undefine(need(dom));
      return {};
  }
}

/** Run one domain's plan; never throws, the outcome is the ApplyResult. */
export async function executePlan(
  d: ExecutorDeps,
  api: DomainOps,
  p: DomainPlan,
  signal: AbortSignal,
): Promise<ApplyResult> {
  const base = { kind: OBJECT_KIND, id: p.uuid };
  if (p.error)
    return {
      ...base,
      ok: false,
      action: 'none',
      code: p.error.code,
      message: `${p.name}: ${p.error.message}`,
    };
  if (p.actions.length === 0) return { ...base, ok: true, action: 'noop' };
  const done: string[] = [];
  const notes: string[] = [];
  let current: Action['kind'] | 'lookup' = 'lookup';
  try {
    let dom = await api.lookupByUuid(p.uuid);
    // The plan saw the mark moments ago; check it again on the domain about to be touched.
    if (dom && !parseDomainXml(await api.domainXml(dom, true)).owned) {
      return {
        ...base,
        ok: false,
        action: 'none',
        code: ErrorCodes.CONFLICT,
        message: `${p.name}: domain ${dom.name} (${p.uuid}) is not owned by plinth: not touching it`,
      };
    }
    for (const a of p.actions) {
      if (signal.aborted) {
        return {
          ...base,
          ok: false,
          action: p.summary,
          code: ErrorCodes.TIMEOUT,
          message: `${p.name}: aborted after ${done.join('+') || 'nothing'}`,
        };
      }
      current = a.kind;
      const r = await runAction(d, api, p, a, dom, signal);
      d.touched(p.uuid);
      if (r.dom) dom = r.dom;
      if (r.note) notes.push(r.note);
      done.push(a.kind);
    }
  } catch (e) {
    d.touched(p.uuid);
    const err = toPlinthError(e);
    return {
      ...base,
      ok: false,
      action: p.summary,
      code: err.code,
      message: `${p.name}: ${current} failed after ${done.join('+') || 'nothing'}: ${err.message}`,
    };
  }
  return {
    ...base,
    ok: true,
    action: p.summary,
    ...(notes.length ? { message: `${p.name}: ${notes.join('; ')}` } : {}),
  };
}
