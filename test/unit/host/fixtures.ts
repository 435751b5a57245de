import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RawMessage } from '../../../agent/drivers/host/observe-map.js';

const dir = fileURLToPath(new URL('../../fixtures/host/', import.meta.url));

interface Encoded {
  type: number;
  payload: string;
}

export interface DumpFixture {
  kernel: string;
  links: RawMessage[];
  addrs: RawMessage[];
  routes: RawMessage[];
  /** iproute2's JSON for the same state, captured right after the dumps. */
  ip: {
    link: IpLink[];
    addr: IpLink[];
    route4: IpRoute[];
    route6: IpRoute[];
  };
}

export interface IpLink {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu: number;
  operstate: string;
  address?: string;
  master?: string;
  linkinfo?: { info_kind?: string; info_slave_kind?: string };
  addr_info?: Array<{
    family: string;
    local: string;
    prefixlen: number;
    scope: string;
    label?: string;
    address?: string;
  }>;
}

export interface IpRoute {
  type?: string;
  dst: string;
  gateway?: string;
  via?: { family: string; host: string };
  dev?: string;
  table?: string;
  protocol?: string;
  scope?: string;
  metric?: number;
  prefsrc?: string;
  nexthops?: Array<{ gateway?: string; dev?: string; weight: number }>;
}

const decode = (list: Encoded[]): RawMessage[] =>
  list.map((m) => ({ type: m.type, payload: Buffer.from(m.payload, 'base64') }));

export function loadDumpFixture(name: string): DumpFixture {
  const raw = JSON.parse(readFileSync(dir + name, 'utf8')) as {
    kernel: string;
    dumps: { links: Encoded[]; addrs: Encoded[]; routes: Encoded[] };
    ip: DumpFixture['ip'];
  };
  return {
    kernel: raw.kernel,
    links: decode(raw.dumps.links),
    addrs: decode(raw.dumps.addrs),
    routes: decode(raw.dumps.routes),
    ip: raw.ip,
  };
}

export function loadEventFixture(name: string): RawMessage[] {
  const raw = JSON.parse(readFileSync(dir + name, 'utf8')) as { events: Encoded[] };
  return decode(raw.events);
}

export function readFixtureText(name: string): string {
  return readFileSync(dir + name, 'utf8');
}
