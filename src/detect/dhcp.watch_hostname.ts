/**
 * dhcp.watch_hostname — a DHCP client announced a host name on the watch
 * list (`dhcp.watch_hostnames`, shell globs, case-insensitive; default
 * "kali" and "parrot*", the default names of attack distributions, as ET
 * sid 2022973 does for "kali"). Option 12 and option 81 (client FQDN) are
 * both checked, each whole and by its first label ("kali.localdomain" is
 * kali), without trailing NULs or dots. One alert per MAC and name per
 * interval.
 */
import { defineDetector } from './detector.js';
import { detectorOptions, globToRegExp } from '../config/fields.js';
import { firstLabel, trimHostName } from './dhcp-names.js';

export const OPTIONS = detectorOptions({});

export default defineDetector({
  id: 'dhcp.watch_hostname',
  name: 'Watched DHCP host name',
  description: 'A DHCP client used a host name on the watch list (e.g. the default name of an attack distribution).',
  severity: 2,
  category: ['network', 'host'],
  technique: 'T1200',
  subscribes: ['dhcp.message'],
  options: OPTIONS,
  create(ctx) {
    const globs = ctx.config.dhcp.watch_hostnames;
    const patterns = globs.map(globToRegExp);
    const match = (name: string | undefined): number => {
      if (name === undefined || name === '') return -1;
      for (let i = 0; i < patterns.length; i++) if (patterns[i]!.test(name)) return i;
      return -1;
    };
    return {
      'dhcp.message'(e) {
        if (!e.is_client || patterns.length === 0) return;
        let name: string | undefined;
        let which = -1;
        for (const raw of [e.host_name, e.client_fqdn]) {
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
        const ip = e.ciaddr !== '0.0.0.0' ? e.ciaddr : e.requested_addr;
        if (ctx.excluded(ip)) return;
        const mac = e.chaddr;
        ctx.report({
          ts: e.ts,
          key: `${mac}|${name.toLowerCase()}`,
          source: { ip, mac },
          transport: 'udp',
          message: `${mac}${ip !== undefined ? ` (${ip})` : ''} asked DHCP for an address as "${name}", a watched host name`,
          evidence: { host_name: name, pattern: globs[which]!, msg_type: e.msg_type_name, client_fqdn: e.client_fqdn ?? null, vendor_class: e.vendor_class ?? null },
        });
      },
    };
  },
});
