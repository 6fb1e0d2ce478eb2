/**
 * The least an alert must have for a sink to filter, render and send it.
 * Alerts reach the sinks from agents over the network (and from the disk
 * queue), so a record may lack fields the Alert type promises; such a record
 * is counted and skipped at the sink's door instead of throwing in a filter
 * or a renderer and taking the alerts around it down too.
 */
import type { Alert } from '../alerts/alert.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isDeliverableAlert(v: unknown): v is Alert {
  if (!isObject(v)) return false;
  const a = v as Partial<Record<keyof Alert, unknown>>;
  if (!isObject(a.rule) || typeof a.rule.id !== 'string') return false;
  // Severity picks the syslog PRI, the EVE severity and the card colour: anything but 1-4 has none.
  const sev = isObject(a.event) ? a.event.severity : undefined;
  if (sev !== 1 && sev !== 2 && sev !== 3 && sev !== 4) return false;
  if (typeof a.message !== 'string') return false;
  return isObject(a.source) && isObject(a.evidence);
}
