import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateTestPki, type TestPki } from './certs.js';
import {
  Hardware,
  health,
  SENSOR_TYPE_NAME,
  type RfPowerState,
  type RfSensorSpec,
  type RfSensorType,
} from './model.js';

/**
 * A small Redfish service for tests, following the DMTF schema's shapes and status codes:
 * ServiceRoot, Systems/{id} with ComputerSystem.Reset, Chassis/{id} with Thermal, Power and
 * the newer Sensors collection, Managers/{id}/LogServices/Log/Entries (the SEL), and
 * SessionService/Sessions (X-Auth-Token) beside basic auth. A reset to the state the system
 * is already in answers 409 Conflict, as real BMCs do. HTTPS with a CA generated per run.
 */

export interface RedfishServerOptions {
  sensors: readonly RfSensorSpec[];
  user?: string;
  password?: string;
  power?: 'On' | 'Off';
  /** Serve Chassis/{id}/Sensors (default true); false leaves only Thermal and Power. */
  sensorsCollection?: boolean;
  /** Support SessionService (default true); false answers 405 so clients fall back to basic auth. */
  sessions?: boolean;
  /** ms a reset spends in PoweringOn/PoweringOff before it settles (default 0). */
  powerTransitionMs?: number;
  /** 127.0.0.1 port; 0 (default) = ephemeral. */
  port?: number;
  pki?: TestPki;
}

export interface RedfishTestServer {
  url: string;
  port: number;
  pki: TestPki;
  user: string;
  password: string;
  hardware: Hardware;
  setReading(name: string, value: number): void;
  setPowerState(state: 'On' | 'Off'): void;
  powerState(): RfPowerState;
  /** Every request seen: method, path, status (for asserting what a client did). */
  requests: { method: string; path: string; status: number; auth: 'session' | 'basic' | 'none' }[];
  stop(): Promise<void>;
}

const SYSTEM = '/redfish/v1/Systems/1';
const CHASSIS = '/redfish/v1/Chassis/1';
const MANAGER = '/redfish/v1/Managers/1';
const SESSIONS = '/redfish/v1/SessionService/Sessions';
const RESET_TYPES = ['On', 'ForceOff', 'GracefulShutdown', 'ForceRestart'] as const;

function sensorId(s: RfSensorSpec): string {
  return s.name.replace(/[^A-Za-z0-9]/g, '');
}

function errorBody(messageId: string, message: string): object {
  return {
    error: {
      code: `Base.1.16.${messageId}`,
      message,
      '@Message.ExtendedInfo': [
        {
          '@odata.type': '#Message.v1_1_2.Message',
          MessageId: `Base.1.16.${messageId}`,
          Message: message,
          Severity: 'Warning',
          Resolution: 'None.',
        },
      ],
    },
  };
}

function legacyThresholds(s: RfSensorSpec): Record<string, number> {
  const out: Record<string, number> = {};
  if (s.upperNonCritical !== undefined) out.UpperThresholdNonCritical = s.upperNonCritical;
  if (s.upperCritical !== undefined) out.UpperThresholdCritical = s.upperCritical;
  if (s.upperNonRecoverable !== undefined) out.UpperThresholdFatal = s.upperNonRecoverable;
  if (s.lowerNonCritical !== undefined) out.LowerThresholdNonCritical = s.lowerNonCritical;
  if (s.lowerCritical !== undefined) out.LowerThresholdCritical = s.lowerCritical;
  if (s.lowerNonRecoverable !== undefined) out.LowerThresholdFatal = s.lowerNonRecoverable;
  return out;
}

const READING: Record<RfSensorType, { readingType: string; units: string }> = {
  temperature: { readingType: 'Temperature', units: 'Cel' },
  fan: { readingType: 'Rotational', units: 'RPM' },
  voltage: { readingType: 'Voltage', units: 'V' },
  current: { readingType: 'Current', units: 'A' },
  power: { readingType: 'Power', units: 'W' },
};

function sensorResource(s: RfSensorSpec): object {
  const th: Record<string, { Reading: number }> = {};
  const put = (k: string, v: number | undefined) => {
    if (v !== undefined) th[k] = { Reading: v };
  };
  put('UpperCaution', s.upperNonCritical);
  put('UpperCritical', s.upperCritical);
  put('UpperFatal', s.upperNonRecoverable);
  put('LowerCaution', s.lowerNonCritical);
  put('LowerCritical', s.lowerCritical);
  put('LowerFatal', s.lowerNonRecoverable);
  return {
    '@odata.type': '#Sensor.v1_7_0.Sensor',
    '@odata.id': `${CHASSIS}/Sensors/${sensorId(s)}`,
    Id: sensorId(s),
    Name: s.name,
    Reading: s.value,
    ReadingType: READING[s.type].readingType,
    ReadingUnits: READING[s.type].units,
    Thresholds: th,
    Status: { State: 'Enabled', Health: health(s) },
  };
}

export async function startRedfishTestServer(
  opts: RedfishServerOptions,
): Promise<RedfishTestServer> {
  const pki = opts.pki ?? (await generateTestPki());
  const user = opts.user ?? 'admin';
  const password = opts.password ?? `rf-${randomBytes(6).toString('hex')}`;
  const hw = new Hardware(opts.sensors, opts.power ?? 'On');
  const sessions = new Map<string, string>(); // token -> session id
  let nextSession = 1;
  const requests: RedfishTestServer['requests'] = [];
  const timers = new Set<NodeJS.Timeout>();
  const transitionMs = opts.powerTransitionMs ?? 0;

  const eq = (a: string, b: string) => {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
  };

  function authOf(req: IncomingMessage): 'session' | 'basic' | 'none' | 'bad' {
    const tok = req.headers['x-auth-token'];
    if (typeof tok === 'string') return sessions.has(tok) ? 'session' : 'bad';
    const h = req.headers.authorization;
    if (typeof h === 'string' && h.startsWith('Basic ')) {
      const [u, ...rest] = Buffer.from(h.slice(6), 'base64').toString('utf8').split(':');
      return u !== undefined && eq(u, user) && eq(rest.join(':'), password) ? 'basic' : 'bad';
    }
    return 'none';
  }

  function setPower(target: 'On' | 'Off'): void {
    if (transitionMs <= 0) {
      hw.power = target;
      return;
    }
    hw.power = target === 'On' ? 'PoweringOn' : 'PoweringOff';
    const t = setTimeout(() => {
      timers.delete(t);
      hw.power = target;
    }, transitionMs);
    timers.add(t);
  }

  function systemResource(): object {
    return {
      '@odata.type': '#ComputerSystem.v1_20_0.ComputerSystem',
      '@odata.id': SYSTEM,
      Id: '1',
      Name: 'plinth simulated system',
      SystemType: 'Physical',
      Manufacturer: 'Plinth Labs',
      Model: 'PL-1U-Sim',
      SerialNumber: 'RF0001',
      PowerState: hw.power,
      Status: { State: 'Enabled', Health: 'OK' },
      Actions: {
        '#ComputerSystem.Reset': {
          target: `${SYSTEM}/Actions/ComputerSystem.Reset`,
          'ResetType@Redfish.AllowableValues': [...RESET_TYPES],
        },
      },
      Links: { Chassis: [{ '@odata.id': CHASSIS }], ManagedBy: [{ '@odata.id': MANAGER }] },
    };
  }

  function get(path: string): object | undefined {
    const p = path.replace(/\/$/, '') || '/';
    const coll = (type: string, id: string, name: string, members: string[]) => ({
      '@odata.type': `#${type}`,
      '@odata.id': id,
      Name: name,
      'Members@odata.count': members.length,
      Members: members.map((m) => ({ '@odata.id': m })),
    });
    switch (p) {
      case '/redfish/v1':
        return {
          '@odata.type': '#ServiceRoot.v1_15_0.ServiceRoot',
          '@odata.id': '/redfish/v1/',
          Id: 'RootService',
          Name: 'Root Service',
          RedfishVersion: '1.15.0',
          UUID: '92384634-2938-2342-8820-489239905423',
          Systems: { '@odata.id': '/redfish/v1/Systems' },
          Chassis: { '@odata.id': '/redfish/v1/Chassis' },
          Managers: { '@odata.id': '/redfish/v1/Managers' },
          SessionService: { '@odata.id': '/redfish/v1/SessionService' },
          Links: { Sessions: { '@odata.id': SESSIONS } },
        };
      case '/redfish/v1/Systems':
        return coll(
          'ComputerSystemCollection.ComputerSystemCollection',
          '/redfish/v1/Systems',
          'Computer System Collection',
          [SYSTEM],
        );
      case SYSTEM:
        return systemResource();
      case '/redfish/v1/Chassis':
        return coll(
          'ChassisCollection.ChassisCollection',
          '/redfish/v1/Chassis',
          'Chassis Collection',
          [CHASSIS],
        );
      case CHASSIS: {
        const c: Record<string, unknown> = {
          '@odata.type': '#Chassis.v1_23_0.Chassis',
          '@odata.id': CHASSIS,
          Id: '1',
          Name: 'Chassis',
          ChassisType: 'RackMount',
          Manufacturer: 'Plinth Labs',
          Model: 'PL-1U-Sim',
          SerialNumber: 'RFCH0001',
          PowerState: hw.power,
          Status: { State: 'Enabled', Health: 'OK' },
          Thermal: { '@odata.id': `${CHASSIS}/Thermal` },
          Power: { '@odata.id': `${CHASSIS}/Power` },
          Links: {
            ComputerSystems: [{ '@odata.id': SYSTEM }],
            ManagedBy: [{ '@odata.id': MANAGER }],
          },
        };
        if (opts.sensorsCollection !== false) c.Sensors = { '@odata.id': `${CHASSIS}/Sensors` };
        return c;
      }
      case `${CHASSIS}/Thermal`: {
        const temps = hw.sensors.filter((s) => s.type === 'temperature');
        const fans = hw.sensors.filter((s) => s.type === 'fan');
        return {
          '@odata.type': '#Thermal.v1_7_0.Thermal',
          '@odata.id': `${CHASSIS}/Thermal`,
          Id: 'Thermal',
          Name: 'Thermal',
          Temperatures: temps.map((s, i) => ({
            '@odata.id': `${CHASSIS}/Thermal#/Temperatures/${i}`,
            MemberId: String(i),
            Name: s.name,
            ReadingCelsius: s.value,
            ...legacyThresholds(s),
            Status: { State: 'Enabled', Health: health(s) },
          })),
          Fans: fans.map((s, i) => ({
            '@odata.id': `${CHASSIS}/Thermal#/Fans/${i}`,
            MemberId: String(i),
            Name: s.name,
            Reading: s.value,
            ReadingUnits: 'RPM',
            ...legacyThresholds(s),
            Status: { State: 'Enabled', Health: health(s) },
          })),
        };
      }
      case `${CHASSIS}/Power`: {
        const volts = hw.sensors.filter((s) => s.type === 'voltage');
        const watts = hw.sensors.filter((s) => s.type === 'power');
        return {
          '@odata.type': '#Power.v1_7_1.Power',
          '@odata.id': `${CHASSIS}/Power`,
          Id: 'Power',
          Name: 'Power',
          Voltages: volts.map((s, i) => ({
            '@odata.id': `${CHASSIS}/Power#/Voltages/${i}`,
            MemberId: String(i),
            Name: s.name,
            ReadingVolts: s.value,
            ...legacyThresholds(s),
            Status: { State: 'Enabled', Health: health(s) },
          })),
          PowerControl: watts.map((s, i) => ({
            '@odata.id': `${CHASSIS}/Power#/PowerControl/${i}`,
            MemberId: String(i),
            Name: s.name,
            PowerConsumedWatts: s.value,
            Status: { State: 'Enabled', Health: health(s) },
          })),
        };
      }
      case `${CHASSIS}/Sensors`:
        if (opts.sensorsCollection === false) return undefined;
        return coll(
          'SensorCollection.SensorCollection',
          `${CHASSIS}/Sensors`,
          'Sensors',
          hw.sensors.map((s) => `${CHASSIS}/Sensors/${sensorId(s)}`),
        );
      case '/redfish/v1/Managers':
        return coll(
          'ManagerCollection.ManagerCollection',
          '/redfish/v1/Managers',
          'Manager Collection',
          [MANAGER],
        );
      case MANAGER:
        return {
          '@odata.type': '#Manager.v1_19_0.Manager',
          '@odata.id': MANAGER,
          Id: '1',
          Name: 'Manager',
          ManagerType: 'BMC',
          Status: { State: 'Enabled', Health: 'OK' },
          LogServices: { '@odata.id': `${MANAGER}/LogServices` },
        };
      case `${MANAGER}/LogServices`:
        return coll(
          'LogServiceCollection.LogServiceCollection',
          `${MANAGER}/LogServices`,
          'Log Service Collection',
          [`${MANAGER}/LogServices/Log`],
        );
      case `${MANAGER}/LogServices/Log`:
        return {
          '@odata.type': '#LogService.v1_5_0.LogService',
          '@odata.id': `${MANAGER}/LogServices/Log`,
          Id: 'Log',
          Name: 'System Event Log',
          LogEntryType: 'SEL',
          MaxNumberOfRecords: 1000,
          ServiceEnabled: true,
          Entries: { '@odata.id': `${MANAGER}/LogServices/Log/Entries` },
        };
      case `${MANAGER}/LogServices/Log/Entries`:
        return {
          '@odata.type': '#LogEntryCollection.LogEntryCollection',
          '@odata.id': `${MANAGER}/LogServices/Log/Entries`,
          Name: 'Log Entries',
          'Members@odata.count': hw.log.length,
          Members: hw.log.map((e) => ({
            '@odata.type': '#LogEntry.v1_15_0.LogEntry',
            '@odata.id': `${MANAGER}/LogServices/Log/Entries/${e.id}`,
            Id: String(e.id),
            Name: `Log Entry ${e.id}`,
            EntryType: 'SEL',
            Created: e.created,
            Severity: e.severity,
            Message: e.message,
            SensorType: e.sensorType,
            EntryCode: e.entryCode,
          })),
        };
      case '/redfish/v1/SessionService':
        return {
          '@odata.type': '#SessionService.v1_1_9.SessionService',
          '@odata.id': '/redfish/v1/SessionService',
          Id: 'SessionService',
          Name: 'Session Service',
          ServiceEnabled: opts.sessions !== false,
          SessionTimeout: 600,
          Sessions: { '@odata.id': SESSIONS },
        };
      case SESSIONS:
        return coll(
          'SessionCollection.SessionCollection',
          SESSIONS,
          'Session Collection',
          [...sessions.values()].map((id) => `${SESSIONS}/${id}`),
        );
    }
    const sensor = /^\/redfish\/v1\/Chassis\/1\/Sensors\/([A-Za-z0-9]+)$/.exec(p);
    if (sensor && opts.sensorsCollection !== false) {
      const s = hw.sensors.find((x) => sensorId(x) === sensor[1]);
      return s ? sensorResource(s) : undefined;
    }
    return undefined;
  }

  function send(
    res: ServerResponse,
    status: number,
    body?: object,
    headers: Record<string, string> = {},
  ): void {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      'OData-Version': '4.0',
      ...(text
        ? {
            'Content-Type': 'application/json; charset=utf-8',
            'Content-Length': String(Buffer.byteLength(text)),
          }
        : {}),
      ...headers,
    });
    res.end(text);
  }

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > 65536) throw new Error('body too large');
      chunks.push(c as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? JSON.parse(text) : undefined;
  }

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ status: number; auth: 'session' | 'basic' | 'none' }> {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0]!;
    const norm = path.replace(/\/$/, '');
    // Unauthenticated per DSP0266: the version object, ServiceRoot, and creating a session.
    if (method === 'GET' && (norm === '/redfish' || norm === '/redfish/v1')) {
      if (norm === '/redfish') send(res, 200, { v1: '/redfish/v1/' });
      else send(res, 200, get('/redfish/v1')!);
      return { status: 200, auth: 'none' };
    }
    if (method === 'POST' && norm === SESSIONS) {
      if (opts.sessions === false) {
        send(
          res,
          405,
          errorBody('OperationNotAllowed', 'Sessions are not supported by this service.'),
        );
        return { status: 405, auth: 'none' };
      }
      let body: { UserName?: unknown; Password?: unknown } | undefined;
      try {
        body = (await readBody(req)) as typeof body;
      } catch {
        send(
          res,
          400,
          errorBody('MalformedJSON', 'The request body submitted was malformed JSON.'),
        );
        return { status: 400, auth: 'none' };
      }
      if (typeof body?.UserName !== 'string' || typeof body.Password !== 'string') {
        send(
          res,
          400,
          errorBody('PropertyMissing', 'The property UserName or Password is missing.'),
        );
        return { status: 400, auth: 'none' };
      }
      if (!eq(body.UserName, user) || !eq(body.Password, password)) {
        send(
          res,
          401,
          errorBody(
            'NoValidSession',
            'There is no valid session established with the implementation.',
          ),
        );
        return { status: 401, auth: 'none' };
      }
      const token = randomBytes(16).toString('hex');
      const id = String(nextSession++);
      sessions.set(token, id);
      send(
        res,
        201,
        {
          '@odata.type': '#Session.v1_7_0.Session',
          '@odata.id': `${SESSIONS}/${id}`,
          Id: id,
          Name: 'User Session',
          UserName: user,
        },
        { 'X-Auth-Token': token, Location: `${SESSIONS}/${id}` },
      );
      return { status: 201, auth: 'none' };
    }
    const auth = authOf(req);
    if (auth === 'none' || auth === 'bad') {
      send(
        res,
        401,
        errorBody(
          'NoValidSession',
          'There is no valid session established with the implementation.',
        ),
        {
          'WWW-Authenticate': 'Basic realm="plinth-test-bmc"',
        },
      );
      return { status: 401, auth: 'none' };
    }
    const sessionDel = new RegExp(`^${SESSIONS}/(\\d+)$`).exec(norm);
    if (method === 'DELETE' && sessionDel) {
      const token = [...sessions.entries()].find(([, id]) => id === sessionDel[1])?.[0];
      if (!token) {
        send(res, 404, errorBody('ResourceNotFound', 'The requested resource was not found.'));
        return { status: 404, auth };
      }
      sessions.delete(token);
      send(res, 204);
      return { status: 204, auth };
    }
    if (method === 'POST' && norm === `${SYSTEM}/Actions/ComputerSystem.Reset`) {
      let body: { ResetType?: unknown } | undefined;
      try {
        body = (await readBody(req)) as typeof body;
      } catch {
        send(
          res,
          400,
          errorBody('MalformedJSON', 'The request body submitted was malformed JSON.'),
        );
        return { status: 400, auth };
      }
      const rt = body?.ResetType;
      if (typeof rt !== 'string') {
        send(
          res,
          400,
          errorBody(
            'ActionParameterMissing',
            'The action ComputerSystem.Reset requires the parameter ResetType to be present in the request body.',
          ),
        );
        return { status: 400, auth };
      }
      if (!(RESET_TYPES as readonly string[]).includes(rt)) {
        send(
          res,
          400,
          errorBody(
            'ActionParameterValueNotInList',
            `The value ${rt} for the parameter ResetType in the action ComputerSystem.Reset is not in the list of acceptable values.`,
          ),
        );
        return { status: 400, auth };
      }
      const on = hw.power === 'On' || hw.power === 'PoweringOn';
      const conflict = (rt === 'On' && on) || (rt !== 'On' && !on);
      if (conflict) {
        send(
          res,
          409,
          errorBody(
            'ResourceInUse',
            `The change to the requested resource failed because the system is already ${on ? 'on' : 'off'}.`,
          ),
        );
        return { status: 409, auth };
      }
      if (rt === 'On') setPower('On');
      else if (rt === 'ForceRestart') hw.power = 'On';
      else setPower('Off');
      send(res, 204);
      return { status: 204, auth };
    }
    if (method !== 'GET') {
      send(
        res,
        405,
        errorBody('OperationNotAllowed', 'The HTTP method is not allowed on this resource.'),
      );
      return { status: 405, auth };
    }
    const body = get(path);
    if (!body) {
      send(res, 404, errorBody('ResourceNotFound', 'The requested resource was not found.'));
      return { status: 404, auth };
    }
    send(res, 200, body);
    return { status: 200, auth };
  }

  const server: Server = createServer({ key: pki.keyPem, cert: pki.certPem }, (req, res) => {
    handle(req, res)
      .then((r) =>
        requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          status: r.status,
          auth: r.auth,
        }),
      )
      .catch(() => {
        if (!res.headersSent)
          send(
            res,
            500,
            errorBody('InternalError', 'The request failed due to an internal service error.'),
          );
        else res.destroy();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    pki,
    user,
    password,
    hardware: hw,
    setReading: (name, value) => hw.setReading(name, value),
    setPowerState: (state) => {
      hw.power = state;
    },
    powerState: () => hw.power,
    requests,
    async stop() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export { SENSOR_TYPE_NAME };
