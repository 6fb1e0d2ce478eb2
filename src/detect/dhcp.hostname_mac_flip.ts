/**
 * dhcp.hostname_mac_flip — one DHCP host name claimed by several MACs, or one
 * MAC cycling through several host names, within a window. The first is a
 * device impersonating another (to inherit its DNS name, its DHCP
 * reservation, its NAC standing); the second is a tool or attacker changing
 * identity. No public system tracks this (arpwatch only flips IP<->MAC).
 *
 * Defaults allow two MACs per name: a laptop on its wired dock and on Wi-Fi
 * legitimately uses one name from two MACs every day. Set `macs_per_name: 2`
 * where devices have one interface (servers, printers, IoT) to catch the
 * first impersonation. The name is option 12, else option 81 (client
 * FQDN), compared by its first label and case-insensitively
 * (dhcp-names.ts): "FINANCE-PC", "finance-pc.corp.example" and an option-81
 * "finance-pc.corp.example." are one name.
 *
 * DHCPv6 clients count too, by their Client FQDN option and the MAC of the
 * card that sent the message (dhcp-client.ts: not the DUID's address, which
 * cloned Windows images share); a dual-stack host announcing "ws20" over
 * DHCPv4 and "ws20.corp.example" over DHCPv6 is one name from one MAC.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions, durationField, thresholdField } from '../config/fields.js';
import { DistinctWindow } from '../state/window.js';
import { formatCount } from '../alerts/alert.js';
import { cutText } from '../util/cut-text.js';
import { dhcpHostName } from './dhcp-names.js';
import { clientMessages, type DhcpClientView } from './dhcp-client.js';

/**
 * Longest host name compared and kept (longer ones are cut, into strings of
 * their own); real names are far shorter. A 255-byte binary name is written
 * with escapes as over 1,000 characters: names-per-MAC windows full of those
 * (500,000 members) took about 550 MB, at this length about 100 MB.
 */
export const MAX_HOST_NAME_LENGTH = 128;

export const OPTIONS = detectorOptions({
  /** Distinct MACs using one host name within the window. */
  macs_per_name: thresholdField(3),
  /** Distinct host names used by one MAC within the window. */
  names_per_mac: thresholdField(3),
  window: durationField('24h'),
  max_tracked: z.number().int().min(100).default(50000),
});

export default defineDetector({
  id: 'dhcp.hostname_mac_flip',
  name: 'DHCP host name / MAC flip',
  description: 'One DHCP or DHCPv6 host name came from several MAC addresses, or one MAC used several host names.',
  severity: 2,
  category: ['network', 'host'],
  technique: 'T1036',
  subscribes: ['dhcp.message', 'dhcpv6.message'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const macsByName = new DistinctWindow<string>({ window: o.window, maxKeys: o.max_tracked, maxMembers: Math.max(o.macs_per_name, 64) });
    const namesByMac = new DistinctWindow<string>({ window: o.window, maxKeys: o.max_tracked, maxMembers: Math.max(o.names_per_mac, 64) });
    ctx.bounded(macsByName, namesByMac);
    function judge(m: DhcpClientView): void {
      const announced = dhcpHostName(m);
      if (announced === undefined) return;
      const mac = m.mac;
      const name = cutText(announced, MAX_HOST_NAME_LENGTH);
      const ip = m.ip;
      if (ctx.excluded(ip)) return;
      const nm = macsByName.add(name, mac, m.ts);
      if (nm >= o.macs_per_name) {
        const macs = macsByName.members(name, 20);
        ctx.report({
          ts: m.ts,
          key: `name|${name}`,
          source: { ip, mac },
          transport: 'udp',
          message: `Host name "${name}" was claimed by ${formatCount(nm)} different MAC addresses, most recently ${mac}`,
          evidence: { mode: 'name_moved', host_name: name, macs, window_seconds: o.window },
        });
      }
      const nn = namesByMac.add(mac, name, m.ts);
      if (nn >= o.names_per_mac) {
        const names = namesByMac.members(mac, 20);
        ctx.report({
          ts: m.ts,
          key: `mac|${mac}`,
          source: { ip, mac },
          transport: 'udp',
          message: `${mac} used ${formatCount(nn)} different DHCP host names (${names.join(', ')})`,
          evidence: { mode: 'mac_renamed', mac, host_names: names, window_seconds: o.window },
        });
      }
    }
    return clientMessages(judge);
  },
});
