import { ErrorCodes, type ErrorCode } from '../../../lib/errors.js';
import { renderDomainXml, specHash, type RenderContext } from './render.js';
import { capacityError } from './spec.js';
import type {
  DesiredDomains,
  DomainSpec,
  DomainStateName,
  HostLimits,
  ObservedDomain,
} from './types.js';

/**
 * plan(desired, observed) → per-domain action lists, pure. The shell runs each
 * domain's list in order, one action at a time. Domains without plinth's ownership
 * mark never get an action: a clash with one is an error for the desired domain.
 */

export type Action =
  | { kind: 'create-volume'; volume: string; sizeBytes: number }
  /** define = create or replace the persistent definition (never touches the running instance). */
  | { kind: 'define'; xml: string; redefine: boolean }
  | { kind: 'start' }
  /** ACPI shutdown, then destroy when the guest has not stopped within the timeout. */
  | { kind: 'stop' }
  | { kind: 'undefine' };

export interface DomainPlan {
  uuid: string;
  name: string;
  actions: Action[];
  error?: { code: ErrorCode; message: string };
  /** For the ApplyResult: 'define+start', 'noop', … */
  summary: string;
}

export interface PlanInput {
  desired: DesiredDomains;
  observed: readonly ObservedDomain[];
  host?: HostLimits;
  /** Kernel/initrd paths that do not exist on the host (the shell checks before planning). */
  missingFiles: ReadonlySet<string>;
  render: RenderContext;
}

const INACTIVE: ReadonlySet<DomainStateName> = new Set(['shutoff', 'nostate']);

export function isActive(state: DomainStateName): boolean {
  return !INACTIVE.has(state);
}

function summarize(actions: Action[]): string {
  return actions.length === 0
    ? 'noop'
    : actions.map((a) => (a.kind === 'define' && a.redefine ? 'redefine' : a.kind)).join('+');
}

function errorPlan(
  spec: { uuid: string; name: string },
  code: ErrorCode,
  message: string,
): DomainPlan {
  return {
    uuid: spec.uuid,
    name: spec.name,
    actions: [],
    error: { code, message },
    summary: 'error',
  };
}

function planOne(d: DomainSpec, obs: ObservedDomain | undefined, input: PlanInput): DomainPlan {
  if (obs && !obs.owned) {
    return errorPlan(
      d,
      ErrorCodes.CONFLICT,
      `domain ${obs.name} (${obs.uuid}) exists and is not owned by plinth: it is never touched`,
    );
  }
  const clash = input.observed.find((o) => o.name === d.name && o.uuid !== d.uuid);
  if (clash) {
    return errorPlan(
      d,
      ErrorCodes.CONFLICT,
      `name ${d.name} is taken by domain ${clash.uuid}${clash.owned ? '' : ' (not owned by plinth)'}`,
    );
  }
  const cap = capacityError(d, input.host);
  if (cap) return errorPlan(d, ErrorCodes.CAPACITY, cap);

  const hash = specHash(d);
  const actions: Action[] = [];
  if (!obs || !obs.persistent || obs.definedSpecHash !== hash) {
    for (const disk of d.disks) {
      if (disk.source.type === 'volume')
        actions.push({
          kind: 'create-volume',
          volume: disk.source.volume,
          sizeBytes: disk.source.sizeBytes,
        });
    }
    actions.push({
      kind: 'define',
      xml: renderDomainXml(d, input.render),
      redefine: obs !== undefined,
    });
  }
  const active = obs !== undefined && isActive(obs.state);
  if (d.power === 'running') {
    if (!active) actions.push({ kind: 'start' });
    else if (obs.liveSpecHash !== hash && d.restartPolicy === 'restart')
      actions.push({ kind: 'stop' }, { kind: 'start' });
  } else if (active) {
    actions.push({ kind: 'stop' });
  }

  const needsFiles = actions.some((a) => a.kind === 'define' || a.kind === 'start');
  const missing = d.boot
    ? [d.boot.kernel, d.boot.initrd].filter(
        (p): p is string => p !== undefined && input.missingFiles.has(p),
      )
    : [];
  if (needsFiles && missing.length > 0) {
    return errorPlan(
      d,
      ErrorCodes.NOT_FOUND,
      `boot file ${missing.join(', ')} does not exist on this host`,
    );
  }
  return { uuid: d.uuid, name: d.name, actions, summary: summarize(actions) };
}

export function plan(input: PlanInput): DomainPlan[] {
  const byUuid = new Map(input.observed.map((o) => [o.uuid, o]));
  const out: DomainPlan[] = [];
  for (const d of input.desired.values()) out.push(planOne(d, byUuid.get(d.uuid), input));
  for (const o of input.observed) {
    if (!o.owned || input.desired.has(o.uuid)) continue;
    const actions: Action[] = [];
    if (isActive(o.state)) actions.push({ kind: 'stop' });
    if (o.persistent) actions.push({ kind: 'undefine' });
    out.push({
      uuid: o.uuid,
      name: o.name,
      actions,
      summary: actions.length ? summarize(actions) : 'noop',
    });
  }
  return out;
}
