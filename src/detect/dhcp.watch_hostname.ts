/**
 * dhcp.watch_hostname — a DHCP client announced a host name on the watch
 * list (`dhcp.watch_hostnames`, shell globs, case-insensitive; default
 * "kali" and "parrot*", the default names of attack distributions, as ET
 * sid 2022973 does for "kali"). Option 12 and option 81 (client FQDN) are
 * both checked, each whole and by its first label ("kali.localdomain" is
 * kali), without trailing NULs or dots. One alert per MAC and name per
 * interval. DHCPv6 clients are checked by their Client FQDN option, under
 * the MAC of the card that sent it (dhcp-client.ts).
 */
import { defineDetector } from './detector.js';
import { detectorOptions, globToRegExp } from '../config/fields.js';
import { firstLabel, trimHostName } from './dhcp-names.js';
import { clientMessages, type DhcpClientView } from './dhcp-client.js';

export const OPTIONS = detectorOptions({});

export default defineDetector({
  id: 'dhcp.watch_hostname',
  name: 'Watched DHCP host name',
  description: 'A DHCP or DHCPv6 client used a host name on the watch list (e.g. the default name of an attack distribution).',
  severity: 2,
  category: ['network', 'host'],
  technique: 'T1200',
  subscribes: ['dhcp.message', 'dhcpv6.message'],
  options: OPTIONS,
  create(ctx) {
    const globs = ctx.config.dhcp.watch_hostnames;
    const patterns = globs.map(globToRegExp);
    const match = (name: string | undefined): number => {
      if (name === undefined || name === '') return -1;
      for (let i = 0; i < patterns.length; i++) if (patterns[i]!.test(name)) return i;
      return -1;
    };
    function judge(m: DhcpClientView): void {
      if (patterns.length === 0) return;
      let name: string | undefined;
      let which = -1;
      for (const raw of [m.host_name, m.client_fqdn]) {
        if (raw === undefined) continue;
        const whole = trimHostName(raw);
        for (const candidate of [firstLabel(whole), whole]) {
          which = match(candidate);
          if (which >= 0) {
            name = candidate;
            break;
          }
        }
        if (which >= 0) break;
      }
      if (which < 0 || name === undefined) return;
      const ip = m.ip;
      if (ctx.excluded(ip)) return;
      const mac = m.mac;
      ctx.report({
        ts: m.ts,
        key: `${mac}|${name.toLowerCase()}`,
        source: { ip, mac },
        transport: 'udp',
        message: `${mac}${ip !== undefined ? ` (${ip})` : ''} asked DHCP${m.version === 6 ? 'v6' : ''} for an address as "${name}", a watched host name`,
        evidence: { host_name: name, pattern: globs[which]!, msg_type: m.msg_type_name, client_fqdn: m.client_fqdn ?? null, vendor_class: m.vendor_class ?? null },
      });
    }
    return clientMessages(judge);
  },
});
