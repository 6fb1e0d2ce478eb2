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
  if (!isObject(a.event) || typeof a.event.severity !== 'number') return false;
  if (typeof a.message !== 'string') return false;
  return isObject(a.source) && isObject(a.evidence);
}
