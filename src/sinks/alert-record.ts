/**
 * An alert as one machine-readable record, the text a syslog MSG or a file
 * line carries: the ECS document, an EVE `alert` record, an OCSF Detection
 * Finding (JSON each) or an ArcSight CEF record. `shortened` marks a record
 * whose evidence and sentence were cut to fit a size limit.
 */
import type { Alert } from '../alerts/alert.js';
import { toEcs } from './ecs.js';
import { toEve } from './eve.js';
import { toOcsf } from './ocsf.js';
import { toCef } from './cef.js';
import { TRUNCATED_NOTE, TRUNCATED_TAG } from './truncation.js';

export type AlertRecordFormat = 'ecs' | 'eve' | 'ocsf' | 'cef';

export function alertRecord(a: Alert, format: AlertRecordFormat, shortened = false): string {
  switch (format) {
    case 'cef':
      return toCef(a, shortened);
    case 'ocsf': {
      const f = toOcsf(a);
      if (shortened) f.unmapped[TRUNCATED_TAG] = TRUNCATED_NOTE;
      return JSON.stringify(f);
    }
    case 'eve': {
      const e = toEve(a);
      if (shortened) e.alert.metadata[TRUNCATED_TAG] = [TRUNCATED_NOTE];
      return JSON.stringify(e);
    }
    default: {
      const d = toEcs(a) as ReturnType<typeof toEcs> & { tags?: unknown };
      if (shortened) d.tags = [...(Array.isArray(d.tags) ? d.tags : []), TRUNCATED_TAG];
      return JSON.stringify(d);
    }
  }
}
