/**
 * dcerpc.dcom_exec — a client activates a DCOM object on another host and
 * drives it through IDispatch (T1021.003): a DCOM activation the server
 * answered (IRemoteSCMActivator RemoteCreateInstance or
 * RemoteGetClassObject, IActivation RemoteActivation; [MS-DCOM]) followed,
 * within `window`, by an IDispatch Invoke ([MS-OAUT] 3.1.4.4, opnum 6)
 * from the same client to the same server. This is how DCOM lateral
 * movement runs commands: Impacket's dcomexec, PowerShell's Invoke-DCOM
 * and their like activate MMC20.Application (Document.ActiveView.
 * ExecuteShellCommand), ShellWindows or ShellBrowserWindow
 * (Document.Application.ShellExecute), Excel.Application (DDEInitiate,
 * RegisterXLL) or Outlook.Application and call those methods through
 * IDispatch, whose calls only a script or late-bound client makes.
 * Windows' own remote DCOM (WMI, the certificate and disk services,
 * remote management consoles) calls its classes' own interfaces, not
 * IDispatch; an activation with no IDispatch call after it is not
 * reported.
 *
 * The class is read from the activation's stub when it is in clear (no
 * authentication, connect or packet integrity level): a class on the
 * lateral-movement list is named and alerts at severity 3, another class
 * at severity 2 (automation of some application; `allowed_classes` lists
 * the site's own), and a class hidden by packet privacy (Impacket's
 * default) at severity 3, the alert saying it could not be read. The
 * activation travels on 135 and the calls on the object exporter's port,
 * so they are joined by client and server address. One alert per
 * client -> server pair per dedup interval; each Invoke adds to its count,
 * and Invokes after the window still do while the alert is open.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions, durationField } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { plural } from '../alerts/alert.js';
import { callFinding, CallTally, callFailure, MAX_RPC_PAIRS, pairKey, transportText } from './dcerpc-common.js';
import { hostEntryField } from './host-lists.js';
import { hostLabel } from './host-text.js';
import { activationEvidence, classText, lateralClass, RecentActivations, type Activation } from './dcom-common.js';

const DISPATCH = 'IDispatch';
const INVOKE = 'Invoke';

/** A CLSID, with or without braces, any case. */
const CLSID_TEXT = /^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/;

/** The CLSID as the analyzer writes it: lower case, no braces. */
export function clsidKey(text: string): string {
  return text.replace(/[{}]/g, '').toLowerCase();
}

export const OPTIONS = detectorOptions({
  /** Clients allowed to drive DCOM objects remotely (CIDRs or network names): management servers running automation. */
  allowed_clients: z.array(hostEntryField).default([]),
  /** Longest time from an activation to the first IDispatch Invoke on the same server. */
  window: durationField('5m'),
  /** Classes (CLSIDs) whose remote automation is expected here; only applies when the activation's class could be read. */
  allowed_classes: z.array(z.string().regex(CLSID_TEXT, 'is not a CLSID (8-4-4-4-12 hex digits)')).default([]),
});

/** The IDispatch calls that followed one activation (or joined its open alert). */
interface Session {
  activation: Activation;
  calls: CallTally;
  invokes: number;
}

export default defineDetector({
  id: 'dcerpc.dcom_exec',
  name: 'Remote DCOM object execution',
  description: 'A client activated a DCOM object on another host and called it through IDispatch (MMC20.Application, ShellWindows, ShellBrowserWindow, Excel.Application): DCOM lateral movement such as Impacket dcomexec.',
  severity: 3,
  category: ['network', 'intrusion_detection'],
  technique: 'T1021.003',
  subscribes: ['dce_rpc.call'],
  options: OPTIONS,
  create(ctx) {
    const o = ctx.options;
    const allowed = ctx.site.hostSet(o.allowed_clients);
    const allowedClasses = new Set(o.allowed_classes.map(clsidKey));
    const activations = new RecentActivations(MAX_RPC_PAIRS);
    ctx.bounded(activations);
    const sessions = new LruMap<string, Session>(MAX_RPC_PAIRS);

    /** The session call `e` belongs to: its pair's latest activation within the window, or the one of an alert still open. */
    const sessionOf = (key: string, a: Activation, ts: number): Session | undefined => {
      const open = ctx.held(key) !== undefined;
      const s = sessions.get(key);
      if (open && s !== undefined) return s;
      if (ts - a.ts > o.window) return undefined;
      if (s !== undefined && s.activation === a) return s;
      const fresh: Session = { activation: a, calls: new CallTally(), invokes: 0 };
      sessions.set(key, fresh);
      return fresh;
    };

    return {
      'dce_rpc.call'(e) {
        if (activations.note(e) !== undefined) return;
        if (e.endpoint !== DISPATCH) return;
        if (e.client === e.server || ctx.excluded(e.client) || ctx.excluded(e.server) || allowed.has(e.client)) return;
        const a = activations.last(e.client, e.server, e.ts);
        if (a === undefined) return;
        if (a.clsid !== undefined && allowedClasses.has(a.clsid)) return;
        const key = pairKey(e.client, e.server);
        const s = sessionOf(key, a, e.ts);
        if (s === undefined) return;
        s.calls.note(e);
        if (e.operation !== INVOKE || callFailure(e) !== undefined) return;
        s.invokes++;

        const act = s.activation;
        const t = s.calls;
        const known = act.clsid !== undefined && lateralClass(act.clsid);
        const what =
          act.clsid !== undefined
            ? `activated ${known ? '' : 'DCOM class '}${classText(act.clsid)}`
            : `activated a DCOM object (its class ${act.encrypted ? 'encrypted' : 'not read'})`;
        const then = `${DISPATCH} ${[...t.operations].join(', ')} over ${transportText(e)}`;
        const why = known ? ': a class intrusion tools drive to run commands' : '';
        ctx.report({
          ...callFinding(e, key),
          severity: act.clsid !== undefined && !known ? 2 : 3,
          firstSeen: act.ts,
          message:
            `${hostLabel(ctx.site, e.client)} ${what} on ${hostLabel(ctx.site, e.server)} and called it through ${DISPATCH} ` +
            `(${act.call} over ${act.how}, then ${then}; ${plural(s.invokes, 'Invoke call')})${why}`,
          evidence: {
            ...t.evidence(e),
            invokes: s.invokes,
            activation: activationEvidence(act, e.ts),
            lateral_movement_class: known,
            window_seconds: o.window,
          },
        });
      },
    };
  },
});
