import { createHash } from 'node:crypto';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import { PLINTH_NS, type DiskSpec, type DomainSpec, type NicSpec } from './types.js';

/**
 * The domain XML renderer, pure. Every value was allow-listed by spec.ts; `v()`
 * refuses XML metacharacters anyway, so a validator bug cannot become XML injection.
 */

export interface RenderContext {
  imagePoolDir: string;
  consoleLogDir: string;
}

function v(s: string | number): string {
  const str = String(s);
  if (/[<>&'"\0]/.test(str))
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `refusing to render ${JSON.stringify(str)} into domain XML`,
    );
  return str;
}

/**
 * Hash of everything that is part of the definition. Power state and restart policy
 * are not: changing them never needs a redefinition.
 */
export function specHash(spec: DomainSpec): string {
  const { power: _p, restartPolicy: _r, ...def } = spec;
  return createHash('sha256').update(JSON.stringify(def)).digest('hex').slice(0, 32);
}

export function volumePath(ctx: RenderContext, volume: string): string {
  return `${ctx.imagePoolDir.replace(/\/+$/, '')}/${volume}`;
}

function renderDisk(d: DiskSpec, ctx: RenderContext): string[] {
  const target = `      <target dev='${v(d.target)}' bus='${v(d.bus)}'/>`;
  switch (d.source.type) {
    case 'volume':
    case 'file': {
      const path = d.source.type === 'volume' ? volumePath(ctx, d.source.volume) : d.source.path;
      const format = d.source.type === 'volume' ? 'qcow2' : d.source.format;
      return [
        `    <disk type='file' device='disk'>`,
        `      <driver name='qemu' type='${v(format)}' cache='none'/>`,
        `      <source file='${v(path)}'/>`,
        target,
        `    </disk>`,
      ];
    }
    case 'rbd': {
      const s = d.source;
      return [
        `    <disk type='network' device='disk'>`,
        `      <driver name='qemu' type='raw' cache='none'/>`,
        ...(s.auth
          ? [
              `      <auth username='${v(s.auth.username)}'>`,
              `        <secret type='ceph' uuid='${v(s.auth.secretUuid)}'/>`,
              `      </auth>`,
            ]
          : []),
        `      <source protocol='rbd' name='${v(s.pool)}/${v(s.image)}'>`,
        ...s.monitors.map((m) => `        <host name='${v(m.host)}' port='${v(m.port)}'/>`),
        `      </source>`,
        target,
        `    </disk>`,
      ];
    }
  }
}

function renderNic(n: NicSpec): string[] {
  return [
    `    <interface type='bridge'>`,
    ...(n.mac ? [`      <mac address='${v(n.mac)}'/>`] : []),
    `      <source bridge='${v(n.bridge)}'/>`,
    `      <virtualport type='openvswitch'/>`,
    ...(n.vlan !== undefined
      ? [`      <vlan>`, `        <tag id='${v(n.vlan)}'/>`, `      </vlan>`]
      : []),
    ...(n.portName ? [`      <target dev='${v(n.portName)}'/>`] : []),
    `      <model type='${v(n.model)}'/>`,
    `    </interface>`,
  ];
}

export function renderDomainXml(spec: DomainSpec, ctx: RenderContext): string {
  const os = [`    <type arch='x86_64' machine='${v(spec.machine)}'>hvm</type>`];
  if (spec.boot) {
    os.push(`    <kernel>${v(spec.boot.kernel)}</kernel>`);
    if (spec.boot.initrd) os.push(`    <initrd>${v(spec.boot.initrd)}</initrd>`);
    if (spec.boot.cmdline) os.push(`    <cmdline>${v(spec.boot.cmdline)}</cmdline>`);
  } else {
    os.push(`    <boot dev='hd'/>`);
  }
  const consoleLog = `${ctx.consoleLogDir.replace(/\/+$/, '')}/${spec.name}.console.log`;
  const lines = [
    `<domain type='${v(spec.domainType)}'>`,
    `  <name>${v(spec.name)}</name>`,
    `  <uuid>${v(spec.uuid)}</uuid>`,
    `  <metadata>`,
    `    <plinth:owner xmlns:plinth='${PLINTH_NS}' spec='${specHash(spec)}'>plinth</plinth:owner>`,
    `  </metadata>`,
    `  <memory unit='MiB'>${v(spec.memoryMiB)}</memory>`,
    `  <currentMemory unit='MiB'>${v(spec.memoryMiB)}</currentMemory>`,
    `  <vcpu placement='static'>${v(spec.vcpus)}</vcpu>`,
    `  <os>`,
    ...os,
    `  </os>`,
    `  <features>`,
    `    <acpi/>`,
    `    <apic/>`,
    `  </features>`,
    ...(spec.domainType === 'kvm' ? [`  <cpu mode='host-model'/>`] : []),
    `  <clock offset='utc'/>`,
    `  <on_poweroff>destroy</on_poweroff>`,
    `  <on_reboot>restart</on_reboot>`,
    `  <on_crash>destroy</on_crash>`,
    `  <devices>`,
    ...spec.disks.flatMap((d) => renderDisk(d, ctx)),
    ...spec.nics.flatMap(renderNic),
    `    <serial type='pty'>`,
    `      <log file='${v(consoleLog)}' append='on'/>`,
    `      <target port='0'/>`,
    `    </serial>`,
    `    <console type='pty'>`,
    `      <target type='serial' port='0'/>`,
    `    </console>`,
    `    <memballoon model='virtio'/>`,
    `  </devices>`,
    `</domain>`,
  ];
  return lines.join('\n') + '\n';
}

/** XML for a qcow2 volume in plinth's directory pool. */
export function renderVolumeXml(volume: string, sizeBytes: number): string {
  return [
    `<volume>`,
    `  <name>${v(volume)}</name>`,
    `  <capacity unit='bytes'>${v(sizeBytes)}</capacity>`,
    `  <target>`,
    `    <format type='qcow2'/>`,
    `    <permissions><mode>0600</mode></permissions>`,
    `  </target>`,
    `</volume>`,
    '',
  ].join('\n');
}

/** XML for plinth's transient directory pool (recreated after a libvirtd restart). */
export function renderPoolXml(name: string, dir: string): string {
  return [
    `<pool type='dir'>`,
    `  <name>${v(name)}</name>`,
    `  <target>`,
    `    <path>${v(dir)}</path>`,
    `  </target>`,
    `</pool>`,
    '',
  ].join('\n');
}
