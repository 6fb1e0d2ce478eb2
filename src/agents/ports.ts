/**
 * Port lists on the command line: "21,22,8000-8010", or "none" for an
 * empty list. Bounded, since every port becomes a socket.
 */
import { PicketError } from '../util/errors.js';

/** A longer list is almost certainly a typo in a range (each port is a listening socket). */
export const MAX_LISTED_PORTS = 1024;

export function parsePortList(text: string, option: string, command: string): number[] {
  const t = text.trim();
  if (t === '' || t === 'none') return [];
  const out = new Set<number>();
  const bad = (): PicketError => new PicketError('PKT_ERR_CLI_USAGE', `${command}: --${option} takes ports like 21,22,8000-8010 (0-65535), got "${text}"`);
  for (const part of t.split(',')) {
    const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(part);
    if (m === null) throw bad();
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (a > 65535 || b > 65535 || b < a) throw bad();
    if (out.size + (b - a + 1) > MAX_LISTED_PORTS) throw new PicketError('PKT_ERR_CLI_USAGE', `${command}: --${option} lists more than ${MAX_LISTED_PORTS} ports`);
    for (let p = a; p <= b; p++) out.add(p);
  }
  return [...out];
}
