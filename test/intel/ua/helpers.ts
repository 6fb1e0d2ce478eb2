/**
 * Test helpers for the user-agent and DGA rules: an `http` event builder with
 * Zeek-like defaults, and a replay of lab captures through the real pipeline
 * and engine with a chosen config, intel and state folder.
 */
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/paths.js';
import { EventBus } from '../../../src/events/bus.js';
import { createEngine } from '../../../src/detect/engine.js';
import { replayCaptures } from '../../../src/pipeline/replay.js';
import type { HttpLogEvent, HttpRecord } from '../../../src/protocols/http/events.js';
import type { IntelContext } from '../../../src/intel/context.js';
import type { SiteConfig } from '../../../src/config/schema.js';
import type { Alert } from '../../../src/alerts/alert.js';

export const LAB = path.join(REPO_ROOT, 'test', 'lab');
export const LAB_CAPTURES = path.join(LAB, 'captures');

let uid = 0;

/** An http.log event: GET / from 10.77.2.20 to 198.51.100.10:80 with a Chrome user-agent. */
export function http(ts: number, r: Partial<HttpRecord> = {}): HttpLogEvent {
  const record: HttpRecord = {
    ts,
    uid: `Chttp${++uid}`,
    'id.orig_h': '10.77.2.20',
    'id.orig_p': 40000 + (uid % 20000),
    'id.resp_h': '198.51.100.10',
    'id.resp_p': 80,
    trans_depth: 1,
    method: 'GET',
    host: '198.51.100.10',
    uri: '/',
    version: '1.1',
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    request_body_len: 0,
    response_body_len: 120,
    status_code: 200,
    status_msg: 'OK',
    tags: [],
    ...r,
  };
  return { type: 'http', log: 'http', ts, uid: record.uid, record };
}

export interface ReplayOptions {
  config: SiteConfig;
  intel?: IntelContext;
  stateDir?: string;
  baseline?: boolean;
}

/** Replays lab captures (file names under test/lab/captures); returns every alert. */
export async function replayLab(captures: string[], o: ReplayOptions): Promise<Alert[]> {
  return replayFiles(captures.map((c) => path.join(LAB_CAPTURES, c)), o);
}

/** Replays capture files (full paths); returns every alert. */
export async function replayFiles(files: string[], o: ReplayOptions): Promise<Alert[]> {
  const alerts: Alert[] = [];
  const bus = new EventBus();
  const engine = createEngine({
    config: o.config,
    bus,
    onAlert: (a) => alerts.push(a),
    ...(o.intel !== undefined ? { intel: o.intel } : {}),
    ...(o.stateDir !== undefined ? { stateDir: o.stateDir } : {}),
    baseline: o.baseline === true,
  });
  await replayCaptures(files, { bus });
  engine.flush();
  if (o.stateDir !== undefined) engine.saveState();
  return alerts;
}
