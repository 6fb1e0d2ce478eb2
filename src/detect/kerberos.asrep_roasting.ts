/**
 * kerberos.asrep_roasting — AS-REP roasting (T1558.004): asking the KDC for
 * a TGT without pre-authentication. For an account set "do not require
 * Kerberos pre-authentication" the KDC answers anyone with an AS-REP whose
 * enc-part is encrypted with the account's own key, crackable offline
 * (hashcat 18200 for RC4). For every other account it answers
 * KDC_ERR_PREAUTH_REQUIRED, and KDC_ERR_C_PRINCIPAL_UNKNOWN for names that do
 * not exist, which makes the same requests a user enumeration (kerbrute,
 * GetNPUsers with a list of names). Judged on `kerberos.kdc` events, per
 * client address, two ways:
 *
 * 1. Roastable reply: an AS-REP answering an AS-REQ that carried no
 *    pre-authentication (no encrypted timestamp, PKINIT or FAST), with its
 *    enc-part in a weak encryption type (`weak_etypes`, default DES and RC4;
 *    Rubeus and GetNPUsers ask for RC4 so the reply cracks fast). One reply
 *    alerts: Active Directory requires pre-authentication unless someone
 *    turned it off for the account. `any_etype: true` also alerts on AES
 *    replies; MIT and Heimdal realms do not require pre-authentication by
 *    default and answer every kinit that way, so it is off.
 * 2. Enumeration: AS-REQs without pre-authentication for `threshold` (20)
 *    distinct accounts from one client within `window` (5 min), answered
 *    with PREAUTH_REQUIRED, C_PRINCIPAL_UNKNOWN or an AS-REP. Every Windows
 *    logon starts with one such request for its own account, so a
 *    workstation makes one or two; Splunk's "Kerberos User Enumeration"
 *    analytic flags a source with more than 10 distinct unknown names in
 *    2 minutes. Machine accounts (`name$`) are not counted, as there. Hosts
 *    that log many users on (terminal servers, ADFS, VPN and RADIUS
 *    gateways) belong in `exclude`.
 *
 * One alert per client per dedup interval; it names the accounts (10 at
 * most), the reply and requested encryption types and the KDCs.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { burstOf, type Burst } from './burst.js';
import { detectorOptions, durationField, thresholdField } from '../config/fields.js';
import { DistinctWindow } from '../state/window.js';
import { LruMap } from '../state/lru.js';
import { formatCount } from '../alerts/alert.js';
import { formatDuration } from '../config/duration.js';
import { cutText } from '../util/cut-text.js';
import { KrbErrorCode } from '../protocols/kerberos/consts.js';
import type { KerberosKdcEvent } from '../protocols/kerberos/events.js';
import { accountName, addSample, etypeNames, MAX_KRB_CLIENTS, MAX_KRB_LISTED, MAX_KRB_MEMBERS, MAX_KRB_NAME_LENGTH, MAX_KRB_TOTAL_MEMBERS, weakEtypesField } from './kerberos-common.js';

export const OPTIONS = detectorOptions({
  /** Reply encryption types that make an AS-REP crackable offline (numbers or kerberos.log names). */
  weak_etypes: weakEtypesField,
  /** Alert on an AS-REP without pre-authentication whatever its encryption (noisy with MIT/Heimdal KDCs). */
  any_etype: z.boolean().default(false),
  /** Distinct accounts asked for without pre-authentication by one client within the window. */
  threshold: thresholdField(20),
  window: durationField('5m'),
  /** Clients tracked; the least recently active is dropped beyond it. */
  max_tracked: z.number().int().min(100).default(MAX_KRB_CLIENTS),
});

interface Tally {
  /** Accounts whose AS-REP came back without pre-authentication. */
  roasted: Set<string>;
  /** Accounts asked for without pre-authentication. */
  accounts: Set<string>;
  replyEtypes: Set<number>;
  requestEtypes: Set<number>;
  kdcs: Set<string>;
  replies: number;
  preauthRequired: number;
  unknown: number;
  reported: boolean;
}

/** KDC answers that show an AS-REQ without pre-authentication reached a decision about the account. */
function answered(e: KerberosKdcEvent): boolean {
  return e.success || e.error_code === KrbErrorCode.PREAUTH_REQUIRED || e.error_code === KrbErrorCode.C_PRINCIPAL_UNKNOWN;
}

export default defineDetector({
  id: 'kerberos.asrep_roasting',
  name: 'AS-REP roasting',
  description: 'A KDC returned a crackable AS-REP to a request without pre-authentication, or one client asked for many accounts without pre-authentication.',
  severity: 3,
  category: ['authentication', 'network'],
  technique: 'T1558.004',
  subscribes: ['kerberos.kdc'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const weak = new Set<number>(o.weak_etypes);
    const asked = new DistinctWindow<string>({ window: o.window, maxKeys: o.max_tracked, maxMembers: Math.max(o.threshold, MAX_KRB_MEMBERS), maxTotalMembers: MAX_KRB_TOTAL_MEMBERS });
    ctx.bounded(asked);
    const tallies = new LruMap<string, Tally>(o.max_tracked);
    const tally = (client: string): Tally => {
      let t = tallies.get(client);
      // Restart once the alert this tally fed has been emitted; before any alert, keep collecting.
      if (t === undefined || (t.reported && ctx.held(client) === undefined)) {
        t = { roasted: new Set(), accounts: new Set(), replyEtypes: new Set(), requestEtypes: new Set(), kdcs: new Set(), replies: 0, preauthRequired: 0, unknown: 0, reported: false };
        tallies.set(client, t);
      }
      return t;
    };

    /** Reports the client's requests; a roastable reply, once seen, stays the message's subject. */
    const report = (e: KerberosKdcEvent, t: Tally, distinct: number, b: Burst): void => {
      t.reported = true;
      let why: string;
      if (t.roasted.size > 0) {
        let allWeak = true;
        for (const x of t.replyEtypes) if (!weak.has(x)) allWeak = false;
        const names = `${allWeak ? 'crackable ' : ''}${etypeNames(t.replyEtypes).join(', ')}`;
        why =
          t.roasted.size === 1
            ? `received a ${names} AS-REP for ${[...t.roasted][0]!}, an account that does not require Kerberos pre-authentication`
            : `received ${names} AS-REPs for ${formatCount(t.roasted.size)} accounts that do not require Kerberos pre-authentication`;
        if (distinct >= o.threshold) why += `, asking for ${formatCount(distinct)} accounts in ${formatDuration(e.ts - Math.min(b.first, asked.oldest(e.client) || b.first))}`;
      } else {
        why = `asked the KDC for ${formatCount(distinct)} accounts without pre-authentication in ${formatDuration(e.ts - b.first)} (${formatCount(t.preauthRequired)} exist and require it, ${formatCount(t.unknown)} unknown)`;
      }
      ctx.report({
        ts: e.ts,
        key: e.client,
        source: { ip: e.client },
        destination: { ip: e.kdc, port: e.kdc_port },
        transport: e.transport,
        count: b.count,
        firstSeen: b.first,
        message: `${e.client} ${why}`,
        evidence: {
          roastable_accounts: [...t.roasted],
          accounts: [...t.accounts],
          accounts_count: distinct,
          as_rep_without_preauth: t.replies,
          preauth_required: t.preauthRequired,
          unknown_accounts: t.unknown,
          reply_etypes: etypeNames(t.replyEtypes),
          requested_etypes: etypeNames(t.requestEtypes),
          kdcs: [...t.kdcs],
          window_seconds: o.window,
        },
      });
    };

    return {
      'kerberos.kdc'(e) {
        if (e.request_type !== 'AS' || !e.request_seen || e.preauth || e.principal === '' || !answered(e)) return;
        // `exclude` names clients: excluding a domain controller must not blind the rule to what others ask its KDC.
        if (ctx.excluded(e.client)) return;
        const account = accountName(e.principal, e.realm);
        const t = tally(e.client);
        addSample(t.accounts, account);
        addSample(t.kdcs, e.kdc);
        for (let i = 0; i < e.request_etypes.length && t.requestEtypes.size < MAX_KRB_LISTED; i++) t.requestEtypes.add(e.request_etypes[i]!);
        if (e.error_code === KrbErrorCode.PREAUTH_REQUIRED) t.preauthRequired++;
        else if (e.error_code === KrbErrorCode.C_PRINCIPAL_UNKNOWN) t.unknown++;
        const roastable = e.success && (o.any_etype || weak.has(e.reply_etype));
        if (roastable) {
          t.replies++;
          addSample(t.roasted, account);
          if (t.replyEtypes.size < MAX_KRB_LISTED) t.replyEtypes.add(e.reply_etype);
        }
        const held = ctx.held(e.client);
        const machine = e.principal.endsWith('$');
        const distinct = machine ? asked.count(e.client, e.ts) : asked.add(e.client, cutText(e.principal.toLowerCase(), MAX_KRB_NAME_LENGTH), e.ts);
        if (roastable) report(e, t, distinct, burstOf(held, 1, e.ts, e.ts));
        else if (!machine && distinct >= o.threshold) report(e, t, distinct, burstOf(held, distinct, asked.oldest(e.client), e.ts));
      },
    };
  },
});
