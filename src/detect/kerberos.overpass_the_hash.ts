/**
 * kerberos.overpass_the_hash — a TGT obtained with a password hash instead
 * of the password (T1550.002; "overpass-the-hash", "pass-the-key"): the
 * attacker holds an account's NT hash (dumped from LSASS, a SAM, NTDS.dit),
 * which is the account's RC4 Kerberos key, and asks the KDC for a TGT with
 * it: mimikatz `sekurlsa::pth`, Rubeus `asktgt /rc4:`, Impacket `getTGT.py
 * -hashes`. With only that key, the AS-REQ can offer only RC4 and its
 * pre-authentication is encrypted with it. A client that knows the
 * password derives AES keys too and offers them first (Windows since
 * Vista, MIT and Heimdal), so a pre-authenticated AS exchange whose request
 * offered no encryption type outside `weak_etypes` (default DES and RC4),
 * answered with a TGT, is the mark; the AS-REQs without pre-authentication
 * are kerberos.asrep_roasting's. Judged on `kerberos.kdc` events; one alert
 * per client and account per dedup interval. Legacy hosts that know no AES
 * (Windows XP and Server 2003, old appliances) belong in `exclude`, and
 * accounts that are kept RC4-only on purpose in `ignore_accounts`.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions, globToRegExp } from '../config/fields.js';
import { accountName, etypeNames, MAX_KRB_NAME_LENGTH, weakEtypesField } from './kerberos-common.js';
import { cutText } from '../util/cut-text.js';
import { hostLabel } from './host-text.js';

export const OPTIONS = detectorOptions({
  /** Encryption types a client holding only a hash can use (numbers or kerberos.log names). */
  weak_etypes: weakEtypesField,
  /** Accounts never reported, as globs ("svc-legacy*", "*$"); compared with "name@REALM" and the bare name. */
  ignore_accounts: z.array(z.string().min(1)).default([]),
});

export default defineDetector({
  id: 'kerberos.overpass_the_hash',
  name: 'Overpass-the-hash',
  description: 'A client got a Kerberos TGT with a request that offered only RC4 or DES: a ticket asked for with a stolen password hash.',
  severity: 3,
  category: ['authentication', 'network'],
  technique: 'T1550.002',
  subscribes: ['kerberos.kdc'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const weak = new Set<number>(o.weak_etypes);
    const ignored = o.ignore_accounts.map(globToRegExp);
    return {
      'kerberos.kdc'(e) {
        if (e.request_type !== 'AS' || !e.success || !e.request_seen || !e.preauth || e.request_etypes.length === 0) return;
        // Negative numbers are pseudo-types, not keys; any real type outside the weak set means the client had more than a hash.
        for (const t of e.request_etypes) if (t > 0 && !weak.has(t)) return;
        if (!e.request_etypes.some((t) => t > 0)) return;
        const full = accountName(e.principal, e.realm);
        if (ignored.some((re) => re.test(full) || re.test(e.principal))) return;
        const account = cutText(full, MAX_KRB_NAME_LENGTH);
        if (ctx.excluded(e.client) || ctx.excluded(e.kdc)) return;
        const offered = etypeNames(e.request_etypes.filter((t) => t > 0));
        ctx.report({
          ts: e.ts,
          key: `${e.client}|${account}`,
          source: { ip: e.client, port: e.client_port },
          destination: { ip: e.kdc, port: e.kdc_port },
          transport: e.transport,
          message:
            `${hostLabel(ctx.site, e.client)} got a Kerberos TGT for ${account === '' ? 'an unnamed account' : account} from ${hostLabel(ctx.site, e.kdc)} ` +
            `with a request that offered only ${offered.join(', ')}: a ticket asked for with a password hash, not the password (overpass-the-hash)`,
          evidence: {
            account,
            requested_etypes: offered,
            reply_etype: etypeNames([e.reply_etype])[0] ?? null,
            ticket_etype: etypeNames([e.ticket_etype])[0] ?? null,
            kdc: e.kdc,
            uid: e.uid,
          },
        });
      },
    };
  },
});
