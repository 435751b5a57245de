import type { FieldSpec } from '../../lib/config-schema.js';

/** The `evacuation` section of the coordinator config, as validated (seconds, as written). */
export interface EvacuationConfig {
  enabled: boolean;
  brake: { threshold: number; windowSeconds: number; minHosts: number; autoRelease: boolean };
  rate: { perMinute: number };
  fenceRetrySeconds: number;
  relocateRetrySeconds: number;
  relocateTimeoutSeconds: number;
  tickSeconds: number;
}

/** Plug into coordinatorSchema as `evacuation: evacuationSchema`. */
export const evacuationSchema: FieldSpec = {
  type: 'object',
  doc: 'automatic evacuation of VMs from lost hosts (coordinator/evacuation/README.md)',
  fields: {
    enabled: {
      type: 'boolean',
      default: true,
      doc: 'fence lost hosts and restart their restart-after-fence/replace VMs elsewhere; false: only report',
    },
    brake: {
      type: 'object',
      doc: 'mass-failure brake: pause all automatic evacuation when many hosts are lost at once',
      fields: {
        threshold: {
          type: 'number',
          default: 0.3,
          min: 0,
          max: 1,
          doc: 'engage when MORE than this share of hosts went suspect/down within windowSeconds',
        },
        windowSeconds: {
          type: 'number',
          default: 60,
          min: 1,
          max: 3600,
          doc: 'the window losses are counted in; also the calm period before an automatic release',
        },
        minHosts: {
          type: 'number',
          default: 2,
          min: 1,
          max: 100_000,
          integer: true,
          doc: 'never engage for fewer lost hosts than this (one lost host in a 3-host cluster is 33 %)',
        },
        autoRelease: {
          type: 'boolean',
          default: true,
          doc: 'release by itself after windowSeconds with at most the threshold share (or fewer than minHosts) out; false: only an operator releases',
        },
      },
    },
    rate: {
      type: 'object',
      doc: 'rate limit of automatic relocations',
      fields: {
        perMinute: {
          type: 'number',
          default: 30,
          min: 1,
          max: 100_000,
          integer: true,
          doc: 'at most this many VM relocations start in any 60 s',
        },
      },
    },
    fenceRetrySeconds: {
      type: 'number',
      default: 60,
      min: 5,
      max: 86400,
      doc: 'retry a failed fence after this (never after a wrong BMC password: that can lock the account)',
    },
    relocateRetrySeconds: {
      type: 'number',
      default: 30,
      min: 1,
      max: 86400,
      doc: 'retry a failed relocation (e.g. no host fits) after this',
    },
    relocateTimeoutSeconds: {
      type: 'number',
      default: 120,
      min: 1,
      max: 3600,
      doc: 'report a relocation that has not answered by then (it is never issued twice while in flight)',
    },
    tickSeconds: {
      type: 'number',
      default: 1,
      min: 0.05,
      max: 60,
      doc: 'how often the controller re-evaluates down hosts (state changes act at once)',
    },
  },
};

/** Defaults as the schema fills them in (for tests and for the lead's wiring). */
export const DEFAULT_EVACUATION: EvacuationConfig = {
  enabled: true,
  brake: { threshold: 0.3, windowSeconds: 60, minHosts: 2, autoRelease: true },
  rate: { perMinute: 30 },
  fenceRetrySeconds: 60,
  relocateRetrySeconds: 30,
  relocateTimeoutSeconds: 120,
  tickSeconds: 1,
};
