import { readFileSync } from 'node:fs';
import t from 'tap';
import {
  link,
  memberLinks,
  parseFruResource,
  parseLogEntries,
  parsePower,
  parsePowerState,
  parseSensor,
  parseThermal,
} from '../../../agent/drivers/bmc/parse-redfish.js';
import { ErrorCodes } from '../../../lib/errors.js';

/** Fixtures were captured from the project's Redfish test server (test/redfish-server/), which follows the DMTF schema. */
const fx = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/bmc/${name}`, import.meta.url), 'utf8'));

t.test('Thermal: temperatures and fans with thresholds and status', async (t) => {
  const r = parseThermal(fx('redfish-thermal-critical.json'));
  t.same(r[0], {
    ok: true,
    name: 'CPU Temp',
    type: 'temperature',
    unit: 'celsius',
    value: 90,
    status: 'critical',
    thresholds: { upperNonCritical: 75, upperCritical: 85, upperNonRecoverable: 95 },
  });
  t.match(r[1], { name: 'Inlet Temp', status: 'ok' });
  t.same(r[2], {
    ok: true,
    name: 'FAN1',
    type: 'fan',
    unit: 'rpm',
    value: 400,
    status: 'critical',
    thresholds: { lowerNonCritical: 1000, lowerCritical: 500 },
  });
});

t.test('Power: voltages and consumed watts', async (t) => {
  const r = parsePower(fx('redfish-power.json'));
  t.match(r, [
    { ok: true, name: 'P12V', type: 'voltage', unit: 'volts', value: 12, status: 'ok' },
    { ok: true, name: 'PSU1 Power', type: 'power', unit: 'watts', value: 320, status: 'ok' },
  ]);
});

t.test('Sensors collection members', async (t) => {
  t.same(parseSensor(fx('redfish-sensor-cputemp-critical.json')), {
    ok: true,
    name: 'CPU Temp',
    type: 'temperature',
    unit: 'celsius',
    value: 90,
    status: 'critical',
    thresholds: { upperNonCritical: 75, upperCritical: 85, upperNonRecoverable: 95 },
  });
  t.match(parseSensor(fx('redfish-sensor-psu1current.json')), {
    type: 'current',
    unit: 'amps',
    value: 4.2,
    thresholds: { upperCritical: 20 },
  });
  t.equal(memberLinks(fx('redfish-sensors-collection.json')).length, 6);
});

t.test('bad Redfish sensor data is a read error, never zero', async (t) => {
  const base = {
    Name: 'CPU Temp',
    ReadingType: 'Temperature',
    ReadingUnits: 'Cel',
    Status: { State: 'Enabled', Health: 'OK' },
  };
  const table: [string, unknown, RegExp][] = [
    ['missing Reading', base, /no reading/],
    ['null Reading', { ...base, Reading: null }, /no reading/],
    ['string Reading', { ...base, Reading: '90' }, /non-numeric/],
    ['missing units', { Name: 'X', Reading: 3 }, /missing ReadingUnits/],
    ['no name', { Reading: 3, ReadingUnits: 'V' }, /without Name/],
    ['not an object', 'oops', /not an object/],
  ];
  for (const [what, json, err] of table) {
    const r = parseSensor(json);
    t.equal(r?.ok, false, what);
    t.match(r && !r.ok && r.error, err, what);
  }
  t.equal(
    parseSensor({ ...base, Reading: 3, Status: { State: 'Absent' } }),
    undefined,
    'absent parts are not sensors',
  );
  const thermal = parseThermal({
    Temperatures: [{ Name: 'T', ReadingCelsius: 'hot' }, { Name: 'U' }],
    Fans: [{ Name: 'F', Reading: null, ReadingUnits: 'RPM' }],
  });
  t.same(
    thermal.map((x) => x.ok),
    [false, false, false],
  );
  t.same(parseThermal({}), []);
  t.same(parseThermal('garbage'), []);
  t.match(
    parseSensor({ ...base, Reading: 60, Status: { State: 'Enabled', Health: 'Critical' } }),
    { status: 'critical' },
    'BMC health is honoured without thresholds',
  );
});

t.test('ComputerSystem: power state and FRU facts', async (t) => {
  t.equal(parsePowerState(fx('redfish-system-on.json')), 'on');
  t.equal(parsePowerState(fx('redfish-system-off.json')), 'off');
  t.equal(parsePowerState({ PowerState: 'PoweringOff' }), 'powering-off');
  t.throws(() => parsePowerState({}), { code: ErrorCodes.PARSE });
  t.throws(() => parsePowerState({ PowerState: 'off' }), { code: ErrorCodes.PARSE });
  t.same(parseFruResource(fx('redfish-system-on.json')), {
    vendor: 'Plinth Labs',
    model: 'PL-1U-Sim',
    serial: 'RF0001',
  });
  t.equal(link(fx('redfish-service-root.json'), 'Systems'), '/redfish/v1/Systems');
  t.equal(
    link({ Systems: { '@odata.id': 'https://evil/x' } }, 'Systems'),
    undefined,
    'links stay under /redfish/',
  );
});

t.test('LogEntry collection', async (t) => {
  const { entries, skipped } = parseLogEntries(fx('redfish-log-entries.json'));
  t.equal(skipped, 0);
  t.equal(entries.length, 6);
  t.match(entries[1], {
    id: 2,
    sensor: 'Temperature',
    direction: 'asserted',
    severity: 'critical',
    event: /Upper Critical going high/,
  });
  t.match(entries[5], { direction: 'deasserted', severity: 'info' });
  t.same(parseLogEntries({ Members: [{ Id: 'abc', Message: 'x' }, { Id: '3' }, 7] }), {
    entries: [],
    skipped: 3,
  });
});
