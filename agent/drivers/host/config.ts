import type { Schema } from '../../../lib/config-schema.js';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import { ROUTE_TABLE_IDS } from './rtnetlink-parse.js';

export interface HostDriverConfig {
  inventoryRefreshSeconds: number;
  routeTables: string[];
  maxRoutes: number;
  netlinkTimeoutMs: number;
  inventoryCallTimeoutMs: number;
}

export const hostConfigSchema: Schema = {
  inventoryRefreshSeconds: {
    type: 'number',
    doc: 'How old the cached inventory may get before inventory() gathers it again (it spawns lsblk, dmidecode...)',
    default: 3600,
    min: 60,
    integer: true,
  },
  routeTables: {
    type: 'string[]',
    doc: 'Routing tables reported as host.route objects: names (main, local, default), numeric ids, or "all"',
    default: ['main'],
  },
  maxRoutes: {
    type: 'number',
    doc: 'At most this many host.route objects are reported; beyond it the list is cut and the routes-truncated condition is set (a full BGP table belongs to the frr driver)',
    default: 10000,
    min: 1,
    integer: true,
  },
  netlinkTimeoutMs: {
    type: 'number',
    doc: 'Deadline for one rtnetlink dump or probe',
    default: 2000,
    min: 100,
    max: 60000,
    integer: true,
  },
  inventoryCallTimeoutMs: {
    type: 'number',
    doc: 'Deadline for each systeminformation call while gathering the inventory',
    default: 10000,
    min: 100,
    max: 120000,
    integer: true,
  },
};

export const HOST_CONFIG_DEFAULTS: HostDriverConfig = {
  inventoryRefreshSeconds: 3600,
  routeTables: ['main'],
  maxRoutes: 10000,
  netlinkTimeoutMs: 2000,
  inventoryCallTimeoutMs: 10000,
};

/** 'all', or the set of table ids to report. */
export type TableFilter = 'all' | ReadonlySet<number>;

const MAX_TABLE_ID = 0xffffffff;

export function resolveRouteTables(names: readonly string[]): TableFilter {
  if (names.includes('all')) return 'all';
  const ids = new Set<number>();
  for (const n of names) {
    const known = ROUTE_TABLE_IDS[n];
    if (known !== undefined) {
      ids.add(known);
      continue;
    }
    const num = /^[0-9]{1,10}$/.test(n) ? Number(n) : NaN;
    if (!Number.isInteger(num) || num < 1 || num > MAX_TABLE_ID) {
      throw new PlinthError(
        ErrorCodes.CONFIG,
        `config key drivers.host.routeTables: ${JSON.stringify(n)} is not a routing table. ` +
          'Use main, local, default, all, or a table id from 1 to 4294967295.',
        { value: n },
      );
    }
    ids.add(num);
  }
  return ids;
}

export function tableWanted(filter: TableFilter, table: number): boolean {
  return filter === 'all' || filter.has(table);
}

export function tableName(table: number): string {
  for (const [name, id] of Object.entries(ROUTE_TABLE_IDS)) if (id === table) return name;
  return String(table);
}
