import t from 'tap';
import { collectSiFacts, SI_CALLS, type SiSource } from '../../../agent/drivers/host/inventory.js';
import {
  childTimeoutMs,
  loaderArgs,
  parseCallTimeout,
  parseSiFacts,
  SI_FACTS_MAX_BYTES,
  siFactsChildCommand,
  siFactsViaChild,
} from '../../../agent/drivers/host/si-facts-exec.js';
import type { Exec, ExecOptions } from '../../../agent/host/exec.js';
import { PlinthError, ErrorCodes } from '../../../lib/errors.js';

const okFacts = {
  cpu: { ok: true, value: { manufacturer: 'Intel', flags: 'vmx' } },
  mem: { ok: true, value: { total: 1024 } },
  diskLayout: { ok: true, value: [] },
  blockDevices: { ok: true, value: [{ name: 'vda', type: 'disk', size: 1 }] },
  osInfo: { ok: false, error: 'os took longer than 10 ms' },
  system: { ok: true, value: { manufacturer: 'QEMU' } },
};

t.test('parseSiFacts: accepts the child line, refuses anything else', async (t) => {
  t.same(parseSiFacts(JSON.stringify(okFacts) + '\n'), okFacts);
  t.same(
    parseSiFacts('a stray warning\n' + JSON.stringify(okFacts) + '\n'),
    okFacts,
    'only the last line is read',
  );
  const bad: Array<[string, string, RegExp]> = [
    ['empty output', '', /printed no JSON/],
    ['not JSON', 'Segmentation fault\n', /printed no JSON: "Segmentation fault"/],
    ['an array', '[]', /not an object/],
    ['a call missing', JSON.stringify({ ...okFacts, system: undefined }), /"system"/],
    [
      'a list as an object',
      JSON.stringify({ ...okFacts, diskLayout: { ok: true, value: {} } }),
      /"diskLayout"/,
    ],
    ['an object as a list', JSON.stringify({ ...okFacts, cpu: { ok: true, value: [] } }), /"cpu"/],
    ['an error without text', JSON.stringify({ ...okFacts, mem: { ok: false } }), /"mem"/],
    ['ok not boolean', JSON.stringify({ ...okFacts, mem: { ok: 1, value: {} } }), /"mem"/],
  ];
  for (const [what, text, re] of bad) {
    t.throws(() => parseSiFacts(text), { code: ErrorCodes.PARSE, message: re }, what);
  }
});

t.test('parseCallTimeout: an integer number of ms, bounded', async (t) => {
  t.equal(parseCallTimeout('10000'), 10000);
  for (const v of [undefined, '', '0', '-5', '1.5', '120001', 'abc', '1e3x'])
    t.throws(() => parseCallTimeout(v), { code: ErrorCodes.INVALID_ARGUMENT }, String(v));
});

t.test('loaderArgs: only loader flags are passed on', async (t) => {
  const cases: Array<[string[], string[]]> = [
    [[], []],
    [['--import=tsx'], ['--import=tsx']],
    [
      ['--require', '/x/preflight.cjs', '--import', 'file:///x/loader.mjs'],
      ['--require', '/x/preflight.cjs', '--import', 'file:///x/loader.mjs'],
    ],
    [
      ['--inspect=9229', '--max-semi-space-size=1', '--import=tsx', '--heap-prof'],
      ['--import=tsx'],
    ],
    [['--import'], []],
  ];
  for (const [given, want] of cases) t.same(loaderArgs(given), want, given.join(' '));
});

t.test(
  'siFactsChildCommand: node, the sibling module, the timeout as the only argument',
  async (t) => {
    t.same(
      siFactsChildCommand(500, '/usr/lib/plinth/dist/agent/drivers/host/si-facts-exec.js', [
        '--import=tsx',
      ]),
      {
        file: process.execPath,
        args: ['/usr/lib/plinth/dist/agent/drivers/host/si-facts-child.js', '500'],
      },
    );
    t.same(siFactsChildCommand(500, '/src/agent/drivers/host/si-facts-exec.ts', ['--import=tsx']), {
      file: process.execPath,
      args: ['--import=tsx', '/src/agent/drivers/host/si-facts-child.ts', '500'],
    });
  },
);

t.test('siFactsViaChild: one exec with a hard timeout and a bounded output', async (t) => {
  const seen: Array<{ file: string; args: readonly string[]; opts: ExecOptions }> = [];
  const exec: Exec = async (file, args, opts) => {
    seen.push({ file, args, opts });
    return { stdout: JSON.stringify(okFacts) + '\n', stderr: '' };
  };
  const signal = new AbortController().signal;
  t.same(await siFactsViaChild(exec)(250, signal), okFacts);
  t.equal(seen.length, 1);
  t.equal(seen[0]!.file, process.execPath);
  t.equal(seen[0]!.args.at(-1), '250');
  t.equal(seen[0]!.opts.timeoutMs, childTimeoutMs(250));
  t.ok(childTimeoutMs(250) >= SI_CALLS.length * 250, 'room for every call to use its deadline');
  t.equal(seen[0]!.opts.maxBufferBytes, SI_FACTS_MAX_BYTES);
  t.equal(seen[0]!.opts.signal, signal);

  const failing: Exec = async () => {
    throw new PlinthError(ErrorCodes.TIMEOUT, 'node did not finish within 75000 ms and was killed');
  };
  await t.rejects(siFactsViaChild(failing)(10000), { code: ErrorCodes.TIMEOUT });
});

t.test(
  'collectSiFacts: each call under its own deadline; a failure does not stop the rest',
  async (t) => {
    const calls: string[] = [];
    const si = {
      cpu: async () => (calls.push('cpu'), { cores: 2 }),
      mem: async () => {
        calls.push('mem');
        throw new Error('ENOMEM');
      },
      diskLayout: () => (calls.push('diskLayout'), new Promise(() => undefined)),
      blockDevices: async () => (calls.push('blockDevices'), []),
      osInfo: async () => (calls.push('osInfo'), { kernel: '6.1' }),
      system: async () => (calls.push('system'), { virtual: true }),
    } as unknown as SiSource;
    const facts = await collectSiFacts(si, 50);
    t.same(calls, [...SI_CALLS], 'in order, one at a time');
    t.same(facts.cpu, { ok: true, value: { cores: 2 } });
    t.same(facts.mem, { ok: false, error: 'ENOMEM' });
    t.match(facts.diskLayout, { ok: false, error: /disk layout took longer than 50 ms/ });
    t.same(facts.system, { ok: true, value: { virtual: true } });
    t.same(parseSiFacts(JSON.stringify(facts)), facts, 'round-trips through the pipe format');
  },
);
