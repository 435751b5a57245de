import { ErrorCodes, isPlinthError } from '../../../lib/errors.js';
import { LibvirtError, type LibvirtRpcClient } from './rpc/client.js';
import {
  args,
  DomainEventId,
  DomainXmlFlags,
  PoolCreateFlags,
  Proc,
  ret,
  StatsFlags,
  StatsGroup,
  UndefineFlags,
  uuidFromString,
  uuidToString,
  VirErr,
  type DomainRef,
  type NodeInfo,
  type PoolRef,
  type StatsRecord,
} from './rpc/protocol.js';
import type { StatValue } from './parse.js';

/**
 * The libvirt calls the driver makes, typed, over one RPC connection. Thin: no
 * policy here, only "which procedure, which arguments, which errors are benign".
 */

const EMPTY = Buffer.alloc(0);

export interface DomainStatsRecord {
  dom: DomainRef;
  uuid: string;
  params: Map<string, StatValue>;
}

function isVirError(e: unknown, code: number): boolean {
  return e instanceof LibvirtError && e.virCode === code;
}

export function notFound(e: unknown): boolean {
  return isPlinthError(e) && e.code === ErrorCodes.NOT_FOUND;
}

function paramsMap(r: StatsRecord): Map<string, StatValue> {
  const m = new Map<string, StatValue>();
  for (const p of r.params) m.set(p.field, typeof p.value === 'bigint' ? Number(p.value) : p.value);
  return m;
}

export class LibvirtApi {
  constructor(private readonly c: LibvirtRpcClient) {}

  get closed(): boolean {
    return this.c.closed;
  }

  async libVersion(timeoutMs?: number): Promise<string> {
    const v = Number(ret.uhyper(await this.c.call(Proc.CONNECT_GET_LIB_VERSION, EMPTY, timeoutMs)));
    return `${Math.floor(v / 1e6)}.${Math.floor((v % 1e6) / 1e3)}.${v % 1e3}`;
  }

  async capabilities(): Promise<string> {
    return ret.string(await this.c.call(Proc.CONNECT_GET_CAPABILITIES, EMPTY));
  }

  async nodeInfo(): Promise<NodeInfo> {
    return ret.nodeInfo(await this.c.call(Proc.NODE_GET_INFO, EMPTY));
  }

  async registerLifecycleEvents(): Promise<number> {
    return ret.eventRegisterAny(
      await this.c.call(
        Proc.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
        args.eventRegisterAny(DomainEventId.LIFECYCLE),
      ),
    );
  }

  async listDomains(): Promise<DomainRef[]> {
    return ret.listAllDomains(
      await this.c.call(Proc.CONNECT_LIST_ALL_DOMAINS, args.listAllDomains(0)),
    );
  }

  /**
   * State, CPU, balloon, NIC and block counters, one call for all `doms` (every domain
   * when empty). NOWAIT: a domain busy in a long job (start, shutdown) reports what it
   * can at once instead of holding up the whole pass.
   */
  async allDomainStats(doms: readonly DomainRef[] = []): Promise<DomainStatsRecord[]> {
    const groups =
      StatsGroup.STATE |
      StatsGroup.CPU_TOTAL |
      StatsGroup.BALLOON |
      StatsGroup.INTERFACE |
      StatsGroup.BLOCK;
    const recs = ret.allDomainStats(
      await this.c.call(
        Proc.CONNECT_GET_ALL_DOMAIN_STATS,
        args.allDomainStats(groups, StatsFlags.NOWAIT, doms),
      ),
    );
    return recs.map((r) => ({ dom: r.dom, uuid: uuidToString(r.dom.uuid), params: paramsMap(r) }));
  }

  /**
   * The same, split over up to `parallel` concurrent calls: libvirtd walks one call's
   * domains one after another (a monitor round trip each), but serves concurrent
   * calls from different worker threads.
   */
  async allDomainStatsParallel(
    doms: readonly DomainRef[],
    parallel: number,
  ): Promise<DomainStatsRecord[]> {
    const chunks = Math.max(1, Math.min(parallel, Math.ceil(doms.length / 4)));
    if (chunks === 1) return this.allDomainStats(doms);
    const size = Math.ceil(doms.length / chunks);
    const parts = await Promise.all(
      Array.from({ length: chunks }, (_, i) =>
        this.allDomainStats(doms.slice(i * size, (i + 1) * size)),
      ),
    );
    return parts.flat();
  }

  async domainXml(dom: DomainRef, inactive: boolean): Promise<string> {
    return ret.string(
      await this.c.call(
        Proc.DOMAIN_GET_XML_DESC,
        args.domainFlags(dom, inactive ? DomainXmlFlags.INACTIVE : 0),
      ),
    );
  }

  async domainState(dom: DomainRef): Promise<{ state: number; reason: number }> {
    return ret.domainState(await this.c.call(Proc.DOMAIN_GET_STATE, args.domainFlags(dom, 0)));
  }

  async isPersistent(dom: DomainRef): Promise<boolean> {
    return ret.int(await this.c.call(Proc.DOMAIN_IS_PERSISTENT, args.domain(dom))) === 1;
  }

  async lookupByUuid(uuid: string): Promise<DomainRef | undefined> {
    try {
      return ret.domain(
        await this.c.call(Proc.DOMAIN_LOOKUP_BY_UUID, args.lookupByUuid(uuidFromString(uuid))),
      );
    } catch (e) {
      if (isVirError(e, VirErr.NO_DOMAIN)) return undefined;
      throw e;
    }
  }

  async define(xml: string): Promise<DomainRef> {
    return ret.domain(await this.c.call(Proc.DOMAIN_DEFINE_XML_FLAGS, args.defineXmlFlags(xml, 0)));
  }

  /** Start; "already running" counts as done. */
  async start(dom: DomainRef): Promise<void> {
    try {
      await this.c.call(Proc.DOMAIN_CREATE, args.domain(dom));
    } catch (e) {
      if (!isVirError(e, VirErr.OPERATION_INVALID)) throw e;
    }
  }

  /** ACPI power button; "not running" counts as done. */
  async shutdown(dom: DomainRef): Promise<void> {
    try {
      await this.c.call(Proc.DOMAIN_SHUTDOWN, args.domain(dom));
    } catch (e) {
      if (!isVirError(e, VirErr.OPERATION_INVALID)) throw e;
    }
  }

  /** Hard power-off; "not running" counts as done. */
  async destroy(dom: DomainRef): Promise<void> {
    try {
      await this.c.call(Proc.DOMAIN_DESTROY, args.domain(dom));
    } catch (e) {
      if (!isVirError(e, VirErr.OPERATION_INVALID)) throw e;
    }
  }

  /** Remove the definition (and libvirt's own snapshot/checkpoint metadata); disks are kept. */
  async undefine(dom: DomainRef): Promise<void> {
    const flags =
      UndefineFlags.MANAGED_SAVE |
      UndefineFlags.SNAPSHOTS_METADATA |
      UndefineFlags.CHECKPOINTS_METADATA;
    try {
      await this.c.call(Proc.DOMAIN_UNDEFINE_FLAGS, args.domainFlags(dom, flags));
    } catch (e) {
      if (!isVirError(e, VirErr.NO_DOMAIN)) throw e;
    }
  }

  /** plinth's directory pool: looked up by name, created transient (with mkdir) when absent. */
  async ensurePool(name: string, xml: string): Promise<PoolRef> {
    try {
      return ret.pool(await this.c.call(Proc.STORAGE_POOL_LOOKUP_BY_NAME, args.lookupByName(name)));
    } catch (e) {
      if (!isVirError(e, VirErr.NO_STORAGE_POOL)) throw e;
    }
    return ret.pool(
      await this.c.call(
        Proc.STORAGE_POOL_CREATE_XML,
        args.poolCreateXml(xml, PoolCreateFlags.WITH_BUILD),
      ),
    );
  }

  /** Create the volume unless it exists; returns whether it was created. */
  async ensureVolume(pool: PoolRef, name: string, xml: string): Promise<boolean> {
    await this.c.call(Proc.STORAGE_POOL_REFRESH, args.poolFlags(pool, 0));
    try {
      await this.c.call(Proc.STORAGE_VOL_LOOKUP_BY_NAME, args.volLookupByName(pool, name));
      return false;
    } catch (e) {
      if (!isVirError(e, VirErr.NO_STORAGE_VOL)) throw e;
    }
    await this.c.call(Proc.STORAGE_VOL_CREATE_XML, args.volCreateXml(pool, xml, 0));
    return true;
  }

  async close(): Promise<void> {
    await this.c.close();
  }
}
