/**
 * name.poisoning — a host answers local name-resolution queries (LLMNR,
 * NBT-NS, mDNS) for names that are not its own, pointing the askers at
 * itself: Responder, Inveigh and the like (T1557.001). Windows falls back
 * to these broadcast and multicast protocols when DNS has no answer (a
 * mistyped share, WPAD and ISATAP discovery, a stale drive mapping); the
 * host that answers first gets the asker's connection and its NTLM
 * authentication, to crack or to relay.
 *
 * Read from `name.answer` events (LLMNR responses, NBNS positive name
 * query responses, mDNS responses): only answers that give the responder's
 * own address count. A host answers for its own name (one or two: a
 * NetBIOS name, an mDNS name after a conflict); a WINS server or an mDNS
 * sleep proxy answers for other hosts with *their* addresses; a poisoner
 * answers for every name it hears, with its own. So a responder that gave
 * its own address for `min_names` distinct names within `window` is
 * reported (severity 3), and at once, whatever the count, when one of them
 * is in `watch_names` (WPAD and ISATAP by default: a host answering those
 * by broadcast resolution takes the web proxy or the IPv6 tunnel of
 * everyone who asks; severity 4). One alert per responder per dedup
 * interval; later names join it. Hosts that really do answer for several
 * names of their own (a file server with NetBIOS aliases, an Avahi host
 * publishing aliases) go in `allowed_responders`.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { burstOf } from './burst.js';
import { detectorOptions, durationField, thresholdField } from '../config/fields.js';
import { DistinctWindow } from '../state/window.js';
import { isGroupAddress } from '../config/ip.js';
import { formatDuration } from '../config/duration.js';
import { hostEntryField } from './host-lists.js';
import { hostLabel, joinAnd } from './host-text.js';
import type { NameAnswerEvent } from '../events/name-answer.js';

/** Names listed in the alert and its evidence. */
const MAX_LISTED = 20;
/** Hosts that got an answer, listed. */
const MAX_ASKERS = 20;

const PROTOCOL_TEXT: Readonly<Record<NameAnswerEvent['protocol'], string>> = { llmnr: 'LLMNR', nbns: 'NBT-NS', mdns: 'mDNS' };
/** What answering a watched name makes the responder for the hosts that ask. */
const ROLE: Readonly<Record<string, string>> = {
  wpad: 'their web proxy (WPAD)',
  isatap: 'their IPv6 tunnel router (ISATAP)',
};

export const OPTIONS = detectorOptions({
  /** Distinct names one responder answered with its own address within `window`. */
  min_names: thresholdField(3),
  window: durationField('1h'),
  /** Names whose answer alone is reported (compared without case; an mDNS name without ".local"). */
  watch_names: z.array(z.string().min(1)).default(['wpad', 'isatap']),
  /** Protocols judged. */
  protocols: z.array(z.enum(['llmnr', 'nbns', 'mdns'])).default(['llmnr', 'nbns', 'mdns']),
  /** Hosts that answer for several names of their own (CIDRs or network names). */
  allowed_responders: z.array(hostEntryField).default([]),
  max_tracked: z.number().int().min(100).default(10000),
});

/** What a responder's alert says beside its names. */
interface Answered {
  protocols: Set<string>;
  askers: Set<string>;
  watched: Set<string>;
}

export default defineDetector({
  id: 'name.poisoning',
  name: 'LLMNR / NBT-NS / mDNS poisoning',
  description: 'A host answered local name-resolution queries (LLMNR, NBT-NS, mDNS) for several names, or for WPAD, with its own address: Responder-style poisoning that collects or relays the credentials of the hosts that asked.',
  severity: 3,
  category: ['network', 'intrusion_detection'],
  technique: 'T1557.001',
  subscribes: ['name.answer'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const allowed = ctx.site.hostSet(o.allowed_responders);
    const protocols = new Set<string>(o.protocols);
    const watch = new Set(o.watch_names.map((n) => n.toLowerCase()));
    const names = new DistinctWindow<string, Answered>({
      window: o.window,
      maxKeys: o.max_tracked,
      maxMembers: Math.max(o.min_names, 1000),
      extra: () => ({ protocols: new Set(), askers: new Set(), watched: new Set() }),
    });
    ctx.bounded(names);

    return {
      'name.answer'(e: NameAnswerEvent) {
        if (!protocols.has(e.protocol) || !e.addrs.includes(e.responder)) return;
        if (ctx.excluded(e.responder) || allowed.has(e.responder)) return;
        const name = e.name.toLowerCase();
        const key = e.responder;
        const n = names.add(key, name, e.ts);
        const a = names.extraOf(key)!;
        a.protocols.add(PROTOCOL_TEXT[e.protocol]);
        if (!isGroupAddress(e.to) && a.askers.size < MAX_ASKERS) a.askers.add(e.to);
        if (watch.has(name)) a.watched.add(name);
        if (n < o.min_names && a.watched.size === 0) return;

        const held = ctx.held(key);
        const b = burstOf(held, n, names.oldest(key), e.ts);
        const listed = names.members(key, MAX_LISTED);
        const watched = [...a.watched];
        const askers = [...a.askers];
        const shown = listed.map((x) => `"${x}"`).join(', ') + (n > listed.length ? ', ...' : '');
        const why =
          watched.length > 0
            ? `; answering for ${joinAnd(watched.map((w) => `"${w}"`))} makes it ${joinAnd(watched.map((w) => ROLE[w] ?? `the host "${w}"`))} for every host that asks`
            : '';
        const asked = askers.length > 0 ? ` to ${joinAnd(askers.map((x) => hostLabel(ctx.site, x)))}` : '';
        ctx.report({
          ts: e.ts,
          key,
          severity: watched.length > 0 ? 4 : 3,
          source: { ip: e.responder },
          transport: 'udp',
          message:
            `${hostLabel(ctx.site, e.responder)} answered ${joinAnd([...a.protocols])} queries for ${n === 1 ? 'a name' : `${n} names`} with its own address` +
            `${asked} in ${formatDuration(e.ts - b.first)} (${shown}): name-resolution poisoning (Responder, Inveigh); the hosts that asked connect and authenticate to it${why}`,
          count: b.count,
          firstSeen: b.first,
          evidence: {
            names: listed,
            names_count: n,
            watched_names: watched,
            protocols: [...a.protocols],
            askers,
            window_seconds: o.window,
            min_names: o.min_names,
          },
        });
      },
    };
  },
});
