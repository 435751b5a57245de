import type { DrainProgress } from '../../proto/gen/plinth/v1/DrainProgress.js';
import type { DrainResult } from '../../proto/gen/plinth/v1/DrainResult.js';
import type { Vm } from '../../proto/gen/plinth/v1/Vm.js';
import type { VmHistoryEntry } from '../../proto/gen/plinth/v1/VmHistoryEntry.js';
import { renderTable } from '../scheduler/explain.js';
import type { HostVerdict, Placement } from '../scheduler/types.js';
import type { VmSpec } from '../vms/types.js';
import { age, bytes, table, when } from './format.js';

/**
 * What the VM commands print for people (pure: data in, text out). --json prints
 * the data itself instead. The per-host table is the scheduler's (explain.ts).
 */

const MIB = 1024 * 1024;

function fmtNum(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** Parse placement_json; '' or garbage gives undefined (the caller prints the message alone). */
export function parsePlacement(json: string): Placement | undefined {
  if (!json) return undefined;
  try {
    const p = JSON.parse(json) as Placement;
    return Array.isArray(p.hosts) && Array.isArray(p.filters) ? p : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The scheduler's own per-host table and rejection message (one rendering for
 * every caller), plus a note when the coordinator left verdicts out of the answer.
 */
export function explainPlacement(p: Placement, omitted = 0, width = 160): string {
  const note = omitted > 0 ? `(${omitted} more hosts not sent; the filter lines count them)\n` : '';
  return `${renderTable(p, { width })}\n${note}`;
}

export function memoryText(mib: number): string {
  return bytes(mib * MIB);
}

/**
 * The status as the coordinator last saw it, with the host's liveness beside it
 * when the host is not ready: `running` on a down host only means "was running".
 */
export function statusText(v: Pick<Vm, 'status' | 'hostState'>): string {
  const h = v.hostState;
  return h && h !== 'ready' ? `${v.status} (host ${h})` : v.status;
}

export function vmTable(vms: Vm[], nowMs: number): string {
  const rows = vms.map((v) => [
    v.name,
    statusText(v),
    v.hostId || '-',
    v.power || '-',
    String(v.vcpus),
    memoryText(Number(v.memoryMib)),
    String(v.fenceToken),
    v.flags.join(',') || '-',
    v.updatedMs ? age(nowMs - Number(v.updatedMs)) : '-',
    v.reason || '',
  ]);
  return table(
    ['NAME', 'STATUS', 'HOST', 'POWER', 'VCPUS', 'MEMORY', 'TOKEN', 'FLAGS', 'CHANGED', 'REASON'],
    rows,
  );
}

function parseSpec(json: string): Partial<VmSpec> {
  try {
    return json ? (JSON.parse(json) as Partial<VmSpec>) : {};
  } catch {
    return {};
  }
}

function kv(m: Record<string, string> | undefined): string {
  return (
    Object.entries(m ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(', ') || '-'
  );
}

function verdictLine(h: HostVerdict): string {
  return h.filters
    .map(
      (f) =>
        `${f.filter} ${f.pass ? 'ok' : 'FAIL'}${f.needed !== undefined || f.free !== undefined ? ` (${f.reason})` : ''}`,
    )
    .join(', ');
}

/** `vm show`: where it runs, why there, what it is, and its history. */
export function vmShow(vm: Vm, history: VmHistoryEntry[]): string {
  const s = parseSpec(vm.specJson);
  const p = parsePlacement(vm.placementJson);
  const disks = (s.disks ?? []).map(
    (d) =>
      `${d.name} ${d.sizeGiB} GiB ${d.pool}${d.shared ? ' (shared)' : ' (local: cannot move)'}`,
  );
  const nics = (s.nics ?? []).map(
    (n) =>
      `${n.network}${n.mac ? ` mac ${n.mac}` : ''}${n.announce ? `, announces ${n.announce}` : ''}`,
  );
  const lines = [
    `vm:          ${vm.name}  (${statusText(vm)}${vm.reason ? `: ${vm.reason}` : ''})`,
    `uuid:        ${vm.uuid || '-'}`,
    `host:        ${vm.hostId || '(not placed)'}${vm.hostId ? `  (${vm.hostState ? `${vm.hostState}, ` : ''}fence token ${vm.fenceToken})` : ''}`,
    `power:       ${vm.power || '-'}`,
    `flags:       ${vm.flags.join(', ') || '-'}`,
    `size:        ${vm.vcpus} vCPUs, ${memoryText(Number(vm.memoryMib))}`,
    `disks:       ${disks.join('; ') || '-'}`,
    `nics:        ${nics.join('; ') || '-'}`,
    `boot:        ${s.boot ? `kernel ${s.boot.kernel}${s.boot.initrd ? ` initrd ${s.boot.initrd}` : ''}${s.boot.cmdline ? ` cmdline "${s.boot.cmdline}"` : ''}` : 'first disk'}`,
    `labels:      ${kv(s.labels)}`,
    `requires:    ${kv(s.requiredLabels)}`,
    `group:       ${s.group ? `${s.group.name}: ${s.group.policy} per ${s.group.scope}, ${s.group.hard ? 'hard' : 'soft'}` : '-'}`,
    `on failure:  ${s.onHostFailure ?? '-'}`,
    `created:     ${when(Number(vm.createdMs))}   updated: ${when(Number(vm.updatedMs))}`,
  ];
  if (p) {
    lines.push('', `why here:    ${p.message}`);
    const chosen = p.hosts.find((h) => h.hostId === p.hostId) ?? p.hosts[0];
    if (chosen) {
      lines.push(`  ${chosen.hostId}: ${verdictLine(chosen)}`);
      if (chosen.scores?.length)
        lines.push(
          `  score ${chosen.score?.toFixed(2) ?? '-'}: ${chosen.scores.map((t) => `${t.score} ${t.value.toFixed(2)} x${fmtNum(t.weight)}`).join(', ')}`,
        );
    }
    const removed = p.filters.filter((f) => f.removed > 0);
    lines.push(
      `  other hosts: ${removed.map((f) => `${f.filter} removed ${f.removed}`).join(', ') || 'none removed by a filter'}`,
    );
  }
  lines.push('', 'history:');
  if (history.length === 0) lines.push('  (none)');
  else
    lines.push(
      table(
        ['  WHEN', 'STATUS', 'HOST', 'MESSAGE'],
        history.map((h) => [`  ${when(Number(h.atMs))}`, h.status, h.hostId || '-', h.message]),
      ).trimEnd(),
    );
  return lines.join('\n') + '\n';
}

/** One line per step of a drain, prefixed by the time since the drain began. */
export function drainLine(p: DrainProgress, startMs: number): string {
  const t = `${((Number(p.atMs) - startMs) / 1000).toFixed(1)}s`.padStart(7);
  const where = p.toHost ? `${p.fromHost} -> ${p.toHost}` : p.fromHost;
  // Host-level steps (the Ceph side of maintenance) carry no VM name.
  const vm = p.vm || '(host)';
  return `${t}  ${vm.padEnd(20)} ${p.step.padEnd(9)} ${where.padEnd(20)} ${p.message}`.trimEnd();
}

export function drainIncomplete(r: DrainResult): boolean {
  return r.refused.length + r.failed.length + r.left.length > 0;
}

export function drainSummary(r: DrainResult, what: string): string {
  const lines = [
    `${what} ${r.hostId}: moved ${r.moved.length}, refused ${r.refused.length}, failed ${r.failed.length}, left ${r.left.length}`,
  ];
  for (const x of r.refused) lines.push(`  refused ${x.vm}: ${x.reason}`);
  for (const x of r.failed) lines.push(`  failed  ${x.vm}: ${x.reason}`);
  if (r.left.length) lines.push(`  still on ${r.hostId}: ${r.left.join(', ')}`);
  if (drainIncomplete(r))
    lines.push(
      `${r.hostId} is not empty: fix what is listed above (a local disk cannot move: delete the VM or accept it stays), then run the command again; see plinth vm list --host ${r.hostId}`,
    );
  else lines.push(`${r.hostId} is empty of VMs.`);
  return lines.join('\n') + '\n';
}
