/**
 * dcerpc.zerologon — Zerologon (CVE-2020-1472, T1210): a client sets up
 * Netlogon secure channels with an all-zero client credential over and
 * over, until a vulnerable domain controller accepts one (once in 256
 * tries on average), then resets the impersonated account's password
 * (a DC's machine account) to empty with NetrServerPasswordSet2 and a
 * zeroed password blob. Read from `dce_rpc.call` events of the netlogon
 * interface whose stubs the analyzer read (netlogon.ts; these calls
 * travel in clear). Three findings, each severity 4, one alert per
 * client -> server pair per dedup interval:
 * - `attempts` (10) NetrServerAuthenticate/2/3 calls with an all-zero
 *   credential within `window` (5 min): a legitimate client computes its
 *   credential from a random challenge and a secret, all zeros by chance
 *   once in 2^64;
 * - any such call the server accepted (its status read as success): the
 *   DC is vulnerable and the attacker holds a secure channel;
 * - NetrServerPasswordSet2 with an all-zero password blob: the account's
 *   password was reset, which breaks the DC's replication and hands the
 *   attacker its hashes (secretsdump with an empty password).
 * Patched DCs (since August 2020, enforced February 2021) refuse the
 * calls; the attempts are still an attack and still alert.
 */
import { defineDetector } from './detector.js';
import { detectorOptions, durationField, thresholdField } from '../config/fields.js';
import { SumWindow } from '../state/window.js';
import { LruMap } from '../state/lru.js';
import { plural } from '../alerts/alert.js';
import type { DceRpcCallEvent } from '../protocols/dcerpc/events.js';
import { addListed, callFinding, MAX_RPC_PAIRS, pairKey, quotedName, transportText } from './dcerpc-common.js';
import { hostLabel } from './host-text.js';

export const OPTIONS = detectorOptions({
  /** All-zero-credential authentications from one client to one server within the window. */
  attempts: thresholdField(10),
  window: durationField('5m'),
});

const NETLOGON = 'netlogon';
const AUTHENTICATE: ReadonlySet<string> = new Set(['NetrServerAuthenticate', 'NetrServerAuthenticate2', 'NetrServerAuthenticate3']);
const PASSWORD_SET2 = 'NetrServerPasswordSet2';
const ZERO_CREDENTIAL = '0000000000000000';

/** What one pair did, while its alert is open. */
interface PairState {
  accounts: Set<string>;
  attempts: number;
  accepted: boolean;
  reset: boolean;
  /** Set once reported: the state then lives as long as that alert is held. */
  reported: boolean;
}

export default defineDetector({
  id: 'dcerpc.zerologon',
  name: 'Zerologon',
  description: 'A client tried Netlogon secure channels with an all-zero credential (CVE-2020-1472), was accepted, or reset an account password to empty with it.',
  severity: 4,
  category: ['network', 'intrusion_detection'],
  technique: 'T1210',
  subscribes: ['dce_rpc.call'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const zeroTries = new SumWindow({ window: o.window, maxKeys: MAX_RPC_PAIRS });
    ctx.bounded(zeroTries);
    const pairs = new LruMap<string, PairState>(MAX_RPC_PAIRS);

    /** The pair's state, fresh once its alert is no longer held. */
    const stateOf = (key: string): PairState => {
      let s = pairs.get(key);
      if (s === undefined || (s.reported && ctx.held(key) === undefined)) {
        s = { accounts: new Set(), attempts: 0, accepted: false, reset: false, reported: false };
        pairs.set(key, s);
      }
      return s;
    };

    return {
      'dce_rpc.call'(e: DceRpcCallEvent) {
        if (e.endpoint !== NETLOGON || e.details === undefined) return;
        const d = e.details;
        const authenticate = AUTHENTICATE.has(e.operation);
        if (!authenticate && e.operation !== PASSWORD_SET2) return;
        if (e.client === e.server || ctx.excluded(e.client) || ctx.excluded(e.server)) return;
        const key = pairKey(e.client, e.server);
        let tries = 0;
        let reset = false;
        if (authenticate) {
          if (d.client_credential !== ZERO_CREDENTIAL) return;
          tries = zeroTries.add(key, 1, e.ts);
        } else {
          if (d.new_password !== 'all_zero') return;
          reset = true;
        }
        const s = stateOf(key);
        addListed(s.accounts, d.user);
        if (authenticate) s.attempts = Math.max(s.attempts, tries);
        const accepted = authenticate && e.fault === undefined && e.result?.ok === true;
        if (accepted) s.accepted = true;
        if (reset && e.fault === undefined && e.result?.ok !== false) s.reset = true;
        if (!s.reset && !s.accepted && s.attempts < o.attempts) return;

        s.reported = true;
        const as = s.accounts.size > 0 ? ` as ${[...s.accounts].map((a) => quotedName(a)).join(', ')}` : '';
        const parts: string[] = [];
        if (s.attempts > 0) parts.push(`tried ${plural(s.attempts, 'Netlogon authentication')} with an all-zero credential${as}`);
        if (s.accepted) parts.push('the server accepted one (it is vulnerable)');
        const whose = s.accounts.size > 0 ? [...s.accounts].map((a) => quotedName(a)).join(', ') : 'the account';
        if (s.reset) parts.push(`${s.attempts > 0 ? 'then ' : ''}reset the password of ${whose} to empty (NetrServerPasswordSet2 with an all-zero password)`);
        ctx.report({
          ...callFinding(e, key),
          message: `${hostLabel(ctx.site, e.client)} ${parts.join('; ')} on ${hostLabel(ctx.site, e.server)} over ${transportText(e)}: Zerologon (CVE-2020-1472)`,
          evidence: {
            interface: NETLOGON,
            rpc_transport: e.transport,
            zero_credential_attempts: s.attempts,
            accounts: [...s.accounts],
            accepted: s.accepted,
            password_reset: s.reset,
            window_seconds: o.window,
          },
        });
      },
    };
  },
});
