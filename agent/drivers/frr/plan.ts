import type { ApplyResult } from '../driver.js';
import { ErrorCodes } from '../../../lib/errors.js';
import type {
  BgpDesired,
  DesiredNeighbor,
  RemoteAs,
  RunningBgp,
  RunningNeighbor,
} from './types.js';
import {
  ANNOUNCE_ROUTE_MAP,
  checkPrefix,
  isValidNeighborId,
  readOwnership,
  taggedDescription,
} from './validate.js';

/**
 * Pure: desired routing state against FRR's running configuration gives the minimal list of
 * configuration commands. Only what differs is emitted, so a description change never
 * touches a session's remote-as, and nothing plinth does not own is ever named.
 */

export interface Step {
  kind: 'bgp.instance' | 'bgp.neighbor' | 'bgp.prefix';
  id: string;
  action: 'create' | 'update' | 'delete';
  /** Commands in the context they need: `global`, `bgp` (inside router bgp) or an AF. */
  context: 'global' | 'bgp' | 'ipv4' | 'ipv6';
  commands: string[];
}

export interface Plan {
  steps: Step[];
  /** Objects that are not converged by this plan: errors and conflicts, plus noops. */
  results: ApplyResult[];
  /** The commands to run inside `configure terminal`, in order, contexts entered and left. */
  commands: string[];
}

export interface PlanInput {
  desired: BgpDesired;
  running: RunningBgp;
  /** Interfaces known to zebra; null when unknown (then interface neighbours are not checked). */
  interfaces: string[] | null;
}

function remoteAsText(a: RemoteAs): string {
  return String(a);
}

function neighborSteps(d: DesiredNeighbor, r: RunningNeighbor | undefined): Step | null {
  const n = `neighbor ${d.id}`;
  const desc = taggedDescription(d.description);
  const remoteAsCmd =
    d.kind === 'interface'
      ? `${n} interface remote-as ${remoteAsText(d.remoteAs)}`
      : `${n} remote-as ${remoteAsText(d.remoteAs)}`;
  if (!r) {
    return {
      kind: 'bgp.neighbor',
      id: d.id,
      action: 'create',
      context: 'bgp',
      commands: [
        remoteAsCmd,
        // Shut before anything else so a neighbour created down never opens a session.
        ...(d.shutdown ? [`${n} shutdown`] : []),
        `${n} description ${desc}`,
        ...(d.bfd ? [`${n} bfd`] : []),
      ],
    };
  }
  const cmds: string[] = [];
  if (r.remoteAs !== d.remoteAs) cmds.push(remoteAsCmd);
  if (r.shutdown !== d.shutdown) cmds.push(d.shutdown ? `${n} shutdown` : `no ${n} shutdown`);
  if (r.description !== desc) cmds.push(`${n} description ${desc}`);
  if (r.bfd !== d.bfd) cmds.push(d.bfd ? `${n} bfd` : `no ${n} bfd`);
  if (cmds.length === 0) return null;
  return { kind: 'bgp.neighbor', id: d.id, action: 'update', context: 'bgp', commands: cmds };
}

function kept(list: string[] | 'all', id: string): boolean {
  return list === 'all' || list.includes(id);
}

export function plan({ desired, running, interfaces }: PlanInput): Plan {
  const steps: Step[] = [];
  const results: ApplyResult[] = [];

  if (running.asn !== null && running.asn !== desired.asn) {
    const message = `FRR runs router bgp ${running.asn}, desired ASN is ${desired.asn}: changing it would tear down every session, so plinth leaves it to an operator`;
    results.push({
      kind: 'bgp.instance',
      id: 'default',
      ok: false,
      code: ErrorCodes.CONFLICT,
      message,
    });
    for (const d of desired.neighbors)
      results.push({
        kind: 'bgp.neighbor',
        id: d.id,
        ok: false,
        code: ErrorCodes.CONFLICT,
        message,
      });
    for (const p of desired.prefixes)
      results.push({ kind: 'bgp.prefix', id: p, ok: false, code: ErrorCodes.CONFLICT, message });
    return { steps: [], results, commands: [] };
  }

  const instanceCmds: string[] = [];
  if (running.asn === null) {
    // A new instance is plinth's: no policy is needed for eBGP announcements (fabric default).
    instanceCmds.push('no bgp ebgp-requires-policy');
  }
  if (desired.routerId && running.routerId !== desired.routerId) {
    instanceCmds.push(`bgp router-id ${desired.routerId}`);
  }
  if (desired.importCheck !== undefined && running.importCheck !== desired.importCheck) {
    instanceCmds.push(`${desired.importCheck ? '' : 'no '}bgp network import-check`);
  }
  if (running.asn === null || instanceCmds.length > 0) {
    steps.push({
      kind: 'bgp.instance',
      id: 'default',
      action: running.asn === null ? 'create' : 'update',
      context: 'bgp',
      commands: instanceCmds,
    });
  } else {
    results.push({ kind: 'bgp.instance', id: 'default', ok: true, action: 'noop' });
  }

  // Neighbours: removals of owned ones first, then creations and updates.
  const wanted = new Map(desired.neighbors.map((d) => [d.id, d]));
  for (const r of running.neighbors.values()) {
    if (wanted.has(r.id) || kept(desired.keep.neighbors, r.id)) continue;
    if (!readOwnership(r.description).owned || !isValidNeighborId(r.id)) continue;
    steps.push({
      kind: 'bgp.neighbor',
      id: r.id,
      action: 'delete',
      context: 'bgp',
      commands: [r.kind === 'interface' ? `no neighbor ${r.id} interface` : `no neighbor ${r.id}`],
    });
  }
  for (const d of desired.neighbors) {
    const r = running.neighbors.get(d.id);
    if (d.kind === 'interface' && interfaces !== null && !interfaces.includes(d.id)) {
      results.push({
        kind: 'bgp.neighbor',
        id: d.id,
        ok: false,
        code: ErrorCodes.NOT_FOUND,
        message: `interface ${d.id} does not exist on this host; neighbour not configured${r ? ' (existing configuration left as is)' : ''}`,
      });
      continue;
    }
    if (r && !readOwnership(r.description).owned) {
      results.push({
        kind: 'bgp.neighbor',
        id: d.id,
        ok: false,
        code: ErrorCodes.CONFLICT,
        message: `neighbour ${d.id} is configured by hand (its description is not tagged "plinth"); left alone`,
      });
      continue;
    }
    if (r && r.kind !== d.kind) {
      results.push({
        kind: 'bgp.neighbor',
        id: d.id,
        ok: false,
        code: ErrorCodes.CONFLICT,
        message: `neighbour ${d.id} exists as ${r.kind} neighbour, desired as ${d.kind}`,
      });
      continue;
    }
    const step = neighborSteps(d, r);
    if (step) steps.push(step);
    else results.push({ kind: 'bgp.neighbor', id: d.id, ok: true, action: 'noop' });
  }

  // Announcements: `network P route-map PLINTH-ANNOUNCE` marks plinth's own.
  const owned = running.networks.filter((n) => n.routeMap === ANNOUNCE_ROUTE_MAP);
  for (const n of owned) {
    if (desired.prefixes.includes(n.prefix) || kept(desired.keep.prefixes, n.prefix)) continue;
    if (!checkPrefix(n.prefix).ok) continue;
    steps.push({
      kind: 'bgp.prefix',
      id: n.prefix,
      action: 'delete',
      context: n.afi,
      commands: [`no network ${n.prefix} route-map ${ANNOUNCE_ROUTE_MAP}`],
    });
  }
  let needRouteMap = false;
  for (const p of desired.prefixes) {
    const c = checkPrefix(p);
    if (!c.ok) continue;
    const existing = running.networks.find((n) => n.prefix === p);
    if (existing && existing.routeMap !== ANNOUNCE_ROUTE_MAP) {
      results.push({
        kind: 'bgp.prefix',
        id: p,
        ok: false,
        code: ErrorCodes.CONFLICT,
        message: `prefix ${p} is announced by a network statement configured by hand; left alone`,
      });
      continue;
    }
    if (existing) {
      results.push({ kind: 'bgp.prefix', id: p, ok: true, action: 'noop' });
      continue;
    }
    needRouteMap = true;
    steps.push({
      kind: 'bgp.prefix',
      id: p,
      action: 'create',
      context: c.afi,
      commands: [`network ${p} route-map ${ANNOUNCE_ROUTE_MAP}`],
    });
  }
  if (needRouteMap && !running.routeMaps.has(ANNOUNCE_ROUTE_MAP)) {
    // A permit-all map: it only marks ownership (a network statement cannot carry a tag).
    steps.unshift({
      kind: 'bgp.prefix',
      id: `route-map ${ANNOUNCE_ROUTE_MAP}`,
      action: 'create',
      context: 'global',
      commands: [`route-map ${ANNOUNCE_ROUTE_MAP} permit 10`, 'exit'],
    });
  }

  return { steps, results, commands: assemble(desired.asn, steps) };
}

/** Lay the steps out in vtysh's contexts: global first, then one router bgp block. */
export function assemble(asn: number, steps: Step[]): string[] {
  const out: string[] = [];
  for (const s of steps) if (s.context === 'global') out.push(...s.commands);
  const bgp = steps.filter((s) => s.context === 'bgp').flatMap((s) => s.commands);
  const afs = (['ipv4', 'ipv6'] as const).map((afi) => ({
    afi,
    cmds: steps.filter((s) => s.context === afi).flatMap((s) => s.commands),
  }));
  const hasBgpStep = steps.some((s) => s.context !== 'global');
  if (!hasBgpStep) return out;
  out.push(`router bgp ${asn}`, ...bgp);
  for (const { afi, cmds } of afs) {
    if (cmds.length === 0) continue;
    out.push(`address-family ${afi} unicast`, ...cmds, 'exit-address-family');
  }
  out.push('exit');
  return out;
}

/** The result for each step once applied, given what a fresh re-plan still wants to do. */
export function stepResults(applied: Step[], after: Plan, failure: string | null): ApplyResult[] {
  const pending = new Set(after.steps.map((s) => `${s.kind}\u0000${s.id}`));
  return applied
    .filter((s) => s.context !== 'global')
    .map((s) =>
      pending.has(`${s.kind}\u0000${s.id}`)
        ? {
            kind: s.kind,
            id: s.id,
            ok: false,
            action: s.action,
            code: ErrorCodes.EXEC_FAILED,
            message: `FRR did not take the change${failure ? `: ${failure}` : ''}`,
          }
        : { kind: s.kind, id: s.id, ok: true, action: s.action },
    );
}
