/**
 * kerberos.kerberoasting — a client collecting service tickets to crack
 * their service accounts' passwords offline (T1558.003). A TGS-REP's ticket
 * is encrypted with the key of the account that owns the SPN; for a user
 * account with a human-chosen password and an RC4 or DES key, hashcat
 * recovers it from one ticket. Judged on `kerberos.kdc` events (successful
 * TGS exchanges), per client address, three ways:
 *
 * 1. Downgrade: a weak ticket (`weak_etypes`, default DES and RC4) issued to
 *    a request whose preferred encryption type was itself weak. Windows
 *    since Vista and MIT/Heimdal clients list AES first; Rubeus
 *    (`/rc4opsec`, `/tgtdeleg`) asks for RC4 alone and Impacket's
 *    GetUserSPNs lists RC4 first. One such ticket alerts.
 * 2. Weak tickets for many services: `weak_threshold` (5) distinct SPNs with
 *    a weak ticket within `window` (10 min). A normal Windows client that
 *    offers AES still receives RC4 tickets for service accounts without AES
 *    keys (by default every account without msDS-SupportedEncryptionTypes),
 *    so one such ticket is routine; many different ones in minutes is the
 *    Kerberoasting pattern of the Event 4769 guidance (ticket encryption
 *    0x17 against many SPNs from one account). Cortex XDR's "multiple weakly-encrypted Kerberos tickets"
 *    analytic uses the same 10-minute window.
 * 3. Many services, any encryption: `threshold` (20) distinct SPNs within
 *    `window`, for roasting with AES (Rubeus `/aes`): slower to crack, still
 *    worth knowing. A workstation's logon asks for a handful of SPNs and
 *    caches them for ten hours.
 *
 * TGT renewals and referrals (krbtgt), a machine account's tickets to its
 * own services and user-to-user tickets are never counted. Only what the
 * TGS-REP reveals counts: the client principal travels encrypted in the
 * TGS-REQ but in clear in the reply. One alert per client per dedup
 * interval, all three ways merged; it names the accounts, SPNs (10 at most),
 * ticket and requested encryption types and KDCs. Exclude (`exclude`)
 * domain controllers, management and vulnerability scanners, and list
 * legacy services that cannot have AES keys in `ignore_services`.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { burstOf, type Burst } from './burst.js';
import { detectorOptions, durationField, globToRegExp, thresholdField } from '../config/fields.js';
import { DistinctWindow } from '../state/window.js';
import { LruMap } from '../state/lru.js';
import { formatCount } from '../alerts/alert.js';
import { formatDuration } from '../config/duration.js';
import { cutText } from '../util/cut-text.js';
import type { KerberosKdcEvent } from '../protocols/kerberos/events.js';
import {
  accountName,
  addSample,
  etypeNames,
  MAX_KRB_CLIENTS,
  MAX_KRB_LISTED,
  MAX_KRB_MEMBERS,
  MAX_KRB_TOTAL_MEMBERS,
  MAX_KRB_NAME_LENGTH,
  routineService,
  weakEtypesField,
} from './kerberos-common.js';

export const OPTIONS = detectorOptions({
  /** Encryption types that make a ticket crackable offline (numbers or kerberos.log names). */
  weak_etypes: weakEtypesField,
  /** Alert on one weak ticket issued to a request that preferred a weak encryption type. */
  weak_request: z.boolean().default(true),
  /** Distinct SPNs with a weak ticket from one client within the window. */
  weak_threshold: thresholdField(5),
  /** Distinct SPNs (any encryption) from one client within the window. */
  threshold: thresholdField(20),
  window: durationField('10m'),
  /** SPN globs never counted ("MSSQLSvc/legacy-db*"): services that must keep RC4. */
  ignore_services: z.array(z.string().min(1)).default([]),
  /** Clients tracked; the least recently active is dropped beyond it. */
  max_tracked: z.number().int().min(100).default(MAX_KRB_CLIENTS),
});

interface Tally {
  accounts: Set<string>;
  services: Set<string>;
  ticketEtypes: Set<number>;
  requestEtypes: Set<number>;
  kdcs: Set<string>;
  weakTickets: number;
  tickets: number;
  downgraded: number;
  reported: boolean;
}

export default defineDetector({
  id: 'kerberos.kerberoasting',
  name: 'Kerberoasting',
  description: 'One client obtained crackable (RC4/DES) service tickets it asked for, or tickets for many different services, in a short time.',
  severity: 3,
  category: ['authentication', 'network'],
  technique: 'T1558.003',
  subscribes: ['kerberos.kdc'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const weak = new Set<number>(o.weak_etypes);
    const ignored = o.ignore_services.map(globToRegExp);
    const weakSpns = new DistinctWindow<string>({ window: o.window, maxKeys: o.max_tracked, maxMembers: Math.max(o.weak_threshold, MAX_KRB_MEMBERS), maxTotalMembers: MAX_KRB_TOTAL_MEMBERS });
    const allSpns = new DistinctWindow<string>({ window: o.window, maxKeys: o.max_tracked, maxMembers: Math.max(o.threshold, MAX_KRB_MEMBERS), maxTotalMembers: MAX_KRB_TOTAL_MEMBERS });
    ctx.bounded(weakSpns, allSpns);
    const tallies = new LruMap<string, Tally>(o.max_tracked);
    const tally = (client: string): Tally => {
      let t = tallies.get(client);
      // Restart once the alert this tally fed has been emitted; before any alert, keep collecting.
      if (t === undefined || (t.reported && ctx.held(client) === undefined)) {
        t = { accounts: new Set(), services: new Set(), ticketEtypes: new Set(), requestEtypes: new Set(), kdcs: new Set(), weakTickets: 0, tickets: 0, downgraded: 0, reported: false };
        tallies.set(client, t);
      }
      return t;
    };
    const isIgnored = (service: string): boolean => {
      for (let i = 0; i < ignored.length; i++) if (ignored[i]!.test(service)) return true;
      return false;
    };

    /** `as alice@CORP` or `as 3 accounts`: who the tickets were issued to. */
    const accounts = (t: Tally): string => (t.accounts.size === 0 ? '' : t.accounts.size === 1 ? ` as ${[...t.accounts][0]!}` : ` as ${formatCount(t.accounts.size)} accounts`);
    const weakNames = (t: Tally): string => etypeNames([...t.ticketEtypes].filter((x) => weak.has(x))).join(', ');

    /**
     * Reports the client's tickets; the message tells the most serious way
     * they matched so far (a later, milder match merged into the same alert
     * does not replace it).
     */
    const report = (e: KerberosKdcEvent, t: Tally, weakCount: number, all: number, b: Burst): void => {
      t.reported = true;
      const span = formatDuration(e.ts - b.first);
      let why: string;
      let severity: 2 | 3 = 3;
      const only = weakCount === 1 ? ([...t.services][0] ?? e.service) : '';
      if (t.downgraded > 0 && o.weak_request) {
        const what = only !== '' ? `a service ticket for ${only} encrypted with ${weakNames(t)}` : `service tickets for ${formatCount(weakCount)} services encrypted with ${weakNames(t)} in ${span}`;
        why = `requested ${what}${accounts(t)}, offering a weak encryption type first (Kerberoasting tools ask for RC4; Windows asks for AES first)`;
      } else if (weakCount >= o.weak_threshold) {
        const what = only !== '' ? `a crackable service ticket for ${only}` : `crackable service tickets for ${formatCount(weakCount)} services`;
        why = `obtained ${what} (${weakNames(t)})${only !== '' ? '' : ` in ${span}`}${accounts(t)}`;
      } else {
        why = `requested service tickets for ${formatCount(all)} services in ${span}${accounts(t)}`;
        severity = 2;
      }
      ctx.report({
        ts: e.ts,
        key: e.client,
        source: { ip: e.client },
        destination: { ip: e.kdc, port: e.kdc_port },
        transport: e.transport,
        count: b.count,
        firstSeen: b.first,
        severity,
        message: `${e.client} ${why}`,
        evidence: {
          accounts: [...t.accounts],
          services: [...t.services],
          services_count: all,
          weak_services_count: weakCount,
          ticket_etypes: etypeNames(t.ticketEtypes),
          requested_etypes: etypeNames(t.requestEtypes),
          downgraded_requests: t.downgraded,
          tickets: t.tickets,
          weak_tickets: t.weakTickets,
          kdcs: [...t.kdcs],
          window_seconds: o.window,
        },
      });
    };

    return {
      'kerberos.kdc'(e) {
        if (e.request_type !== 'TGS' || !e.success || e.service === '') return;
        // `exclude` names clients: excluding a domain controller (it asks for many tickets when it replicates)
        // must not blind the rule to what others ask its KDC.
        if (ctx.excluded(e.client)) return;
        if (routineService(e.service, e.principal) || isIgnored(e.service)) return;
        const spn = cutText(e.service.toLowerCase(), MAX_KRB_NAME_LENGTH);
        const isWeak = weak.has(e.ticket_etype);
        const downgrade = isWeak && e.request_etypes.length > 0 && weak.has(e.request_etypes[0]!);
        const t = tally(e.client);
        t.tickets++;
        if (isWeak) t.weakTickets++;
        if (downgrade) t.downgraded++;
        addSample(t.accounts, accountName(e.principal, e.realm));
        addSample(t.services, e.service);
        addSample(t.kdcs, e.kdc);
        if (t.ticketEtypes.size < MAX_KRB_LISTED) t.ticketEtypes.add(e.ticket_etype);
        for (let i = 0; i < e.request_etypes.length && t.requestEtypes.size < MAX_KRB_LISTED; i++) t.requestEtypes.add(e.request_etypes[i]!);

        const held = ctx.held(e.client);
        const all = allSpns.add(e.client, spn, e.ts);
        const weakCount = isWeak ? weakSpns.add(e.client, spn, e.ts) : weakSpns.count(e.client, e.ts);
        if (downgrade && o.weak_request) {
          report(e, t, weakCount, all, burstOf(held, 1, e.ts, e.ts));
        } else if (isWeak && weakCount >= o.weak_threshold) {
          report(e, t, weakCount, all, burstOf(held, weakCount, weakSpns.oldest(e.client), e.ts));
        } else if (all >= o.threshold) {
          report(e, t, weakCount, all, burstOf(held, all, allSpns.oldest(e.client), e.ts));
        }
      },
    };
  },
});

