/**
 * Every log Picket writes (`<name>.jsonl`), documented one by one in
 * docs/logs.md. A replay writes its logs folder anew: the files of these
 * names left by an earlier run are removed first, so a protocol that is not
 * in this capture does not leave last run's lines beside this run's
 * conn.jsonl (whose uids they would not match). Other files are not touched.
 */
import fs from 'node:fs';
import path from 'node:path';

export const LOG_NAMES: readonly string[] = Object.freeze([
  'conn',
  'tunnel',
  'dns',
  'dhcp',
  'dhcpv6',
  'http',
  'websocket',
  'files',
  'ssl',
  'quic',
  'x509',
  'ssh',
  'ldap',
  'ldap_search',
  'smb_mapping',
  'smb_files',
  'dce_rpc',
  'ntlm',
  'kerberos',
  'ftp',
  'smtp',
  'rdp',
  'mysql',
  'rfb',
  'socks',
  'snmp',
  'sip',
  'redis',
  'tftp',
  'mqtt_connect',
  'mqtt_publish',
  'mqtt_subscribe',
]);

/** Removes the `<log>.jsonl` files an earlier run left in `dir`; the names removed. */
export function clearEarlierLogs(dir: string): string[] {
  const removed: string[] = [];
  for (const name of LOG_NAMES) {
    const file = path.join(dir, `${name}.jsonl`);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(file);
    } catch {
      continue; // none there (or unreadable: the writer reports it when it opens the file)
    }
    // Only files: anything else in a log's place is left for the writer to report.
    if (!st.isFile()) continue;
    fs.unlinkSync(file);
    removed.push(name);
  }
  return removed;
}
