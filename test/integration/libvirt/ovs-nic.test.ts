import t from 'tap';
import { existsSync } from 'node:fs';
import { createLibvirtDriver } from '../../../agent/drivers/libvirt/index.js';
import { buildGuestImage, guestImageMissing } from '../../harness/guest-image.js';
import { libvirtMissing, startLibvirt } from '../../harness/libvirt.js';
import { deleteLinks, ovsUnavailable, startOvs } from '../../harness/ovs.js';
import { guestSpec, recordingContext, testConfig, waitUntil } from './context.js';

/**
 * A guest NIC on a real Open vSwitch bridge with a VLAN tag: libvirtd (in its own mount
 * namespace, where the OVS test instance's run dir is bind-mounted over
 * /run/openvswitch) runs ovs-vsctl itself to plug the port.
 */
const missing = libvirtMissing() ?? guestImageMissing() ?? (await ovsUnavailable());
if (missing) {
  t.plan(0, missing);
} else {
  const image = await buildGuestImage();
  const ovs = await startOvs();
  t.teardown(() => ovs.stop());
  const lv = await startLibvirt({ binds: [{ source: ovs.dir, target: '/run/openvswitch' }] });
  t.teardown(() => lv.stop());
  const PORT = 'plt-lv-p0';
  t.teardown(() => deleteLinks([PORT, BR]));
  const BR = 'plt-lv-br0';
  await ovs.vsctl('add-br', BR, '--', 'set', 'Bridge', BR, 'datapath_type=netdev');
  // libvirtd reads the bridge's MTU from its kernel device, which ovs-vswitchd creates shortly after.
  await waitUntil(() => existsSync(`/sys/class/net/${BR}`) || undefined, 10_000, `${BR} device`);
  const signal = new AbortController().signal;
  const rec = recordingContext(lv.dir);
  const driver = createLibvirtDriver(rec.ctx, testConfig(lv, image, { shutdownTimeoutMs: 0 }));
  t.teardown(() => driver.stop?.());
  const UUID = 'a1a1a1a1-0000-4000-8000-000000000005';

  t.test('the NIC is an OVS port with the VLAN tag, observed and counted', async (t) => {
    const spec = guestSpec('plt-lv-ovs', UUID, image, {
      nics: [{ bridge: BR, vlan: 42, mac: '52:54:00:12:34:56', portName: PORT }],
    });
    const { desired, errors } = driver.parseDesired!([spec] as never);
    t.same(errors, []);
    t.match(await driver.apply!(desired, { objects: [] }, signal), [
      { ok: true, action: 'define+start' },
    ]);
    t.match((await ovs.vsctl('list-ports', BR)).split('\n'), [PORT]);
    t.equal((await ovs.vsctl('get', 'Port', PORT, 'tag')).trim(), '42');
    t.match(
      await ovs.vsctl('get', 'Interface', PORT, 'external_ids'),
      new RegExp(`vm-id="?${UUID}`),
    );
    const obs = (await driver.observe(signal)).objects.find((o) => o.id === UUID)?.data;
    t.match(obs?.nics, [
      { type: 'bridge', ovs: true, bridge: BR, vlan: 42, mac: '52:54:00:12:34:56', portName: PORT },
    ]);
    t.match(
      await rec.registry.metrics(),
      new RegExp(
        `plinth_domain_net_receive_bytes\\{name="plt-lv-ovs",uuid="${UUID}",interface="${PORT}"\\}`,
      ),
    );

    t.match(await driver.apply!(new Map(), { objects: [] }, signal), [
      { ok: true, action: 'stop+undefine' },
    ]);
    t.notMatch(await ovs.vsctl('list-ports', BR), PORT, 'libvirt unplugged the port');
  });
}
