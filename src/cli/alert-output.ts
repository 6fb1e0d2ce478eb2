/**
 * How alerts reach stdout: JSON lines (the ECS object, for machines and
 * SIEMs) or one line per alert for people.
 */
import type { Alert } from '../alerts/alert.js';
import { SEVERITY_NAMES } from '../alerts/alert.js';

export type AlertFormat = 'json' | 'text';

export function formatAlertText(a: Alert): string {
  const src = a.source.ip ?? a.source.mac ?? '?';
  const dst = a.destination?.ip !== undefined ? ` -> ${a.destination.ip}${a.destination.port !== undefined ? `:${a.destination.port}` : ''}` : '';
  const count = a.count > 1 ? ` (x${a.count}, until ${a.last_seen})` : '';
  return `${a['@timestamp']} ${SEVERITY_NAMES[a.event.severity].padEnd(8)} ${a.rule.id.padEnd(34)} ${src}${dst}: ${a.message}${count}`;
}

export function writeAlert(a: Alert, format: AlertFormat, out: NodeJS.WritableStream = process.stdout): void {
  out.write(format === 'json' ? JSON.stringify(a) + '\n' : formatAlertText(a) + '\n');
}
