/**
 * The alert as the ECS document the `ecs` formats send (syslog MSG, JSON
 * lines file, generic webhook). The alert object already uses ECS names;
 * this adds what ECS asks of every event and the alert leaves out:
 *
 * - `ecs.version`, which ECS says must be present in all events;
 * - `event.type`, the third categorization level, from `event.category`:
 *   `indicator` for `threat` (the only type ECS expects there) and `info`
 *   for the others (`network`, `intrusion_detection`, `host`,
 *   `authentication` all list it);
 * - `threat.framework` beside `threat.technique.id`.
 *
 * Fields the alert already carries are kept as they are (an agent of a later
 * release may set them itself).
 */
import type { Alert } from '../alerts/alert.js';

/** The ECS release whose field definitions the document follows. */
export const ECS_VERSION = '8.11.0';

/** ECS event.type for the categories an alert carries. */
export function ecsEventTypes(categories: readonly unknown[]): string[] {
  const types = new Set<string>();
  for (const c of categories) types.add(c === 'threat' ? 'indicator' : 'info');
  if (types.size === 0) types.add('info');
  return [...types];
}

export type EcsAlert = Alert & { ecs: { version: string }; event: Alert['event'] & { type: string[] } };

export function toEcs(a: Alert): EcsAlert {
  const src = a as Alert & { ecs?: unknown; event: { type?: unknown }; threat?: { framework?: unknown } };
  const event = { ...a.event, type: Array.isArray(src.event.type) ? (src.event.type as string[]) : ecsEventTypes(Array.isArray(a.event.category) ? a.event.category : []) };
  const out: Record<string, unknown> = { '@timestamp': a['@timestamp'], ecs: src.ecs ?? { version: ECS_VERSION } };
  for (const k of Object.keys(a)) {
    if (k === '@timestamp' || k === 'ecs') continue;
    if (k === 'event') out['event'] = event;
    else if (k === 'threat' && src.threat !== undefined && typeof src.threat === 'object' && src.threat !== null) {
      out['threat'] = src.threat.framework === undefined ? { framework: 'MITRE ATT&CK', ...src.threat } : src.threat;
    } else out[k] = (a as unknown as Record<string, unknown>)[k];
  }
  return out as unknown as EcsAlert;
}
