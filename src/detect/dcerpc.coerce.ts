/**
 * dcerpc.coerce — a client makes a server connect to a host the client
 * names, through one of the RPC calls that open a path or call a host back
 * (T1187, forced authentication). The server then authenticates to that
 * host as its own machine account, which the attacker captures or relays
 * (to LDAP, to AD CS web enrollment, to another server's SMB) or, with a
 * host trusted for unconstrained delegation, turns into a ticket: PetitPotam
 * (EFSRPC EfsRpcOpenFileRaw, EfsRpcEncryptFileSrv, ...), PrinterBug /
 * SpoolSample (RpcRemoteFindFirstPrinterChangeNotificationEx), DFSCoerce
 * (NetrDfsRemoveStdRoot, NetrDfsAddStdRoot), ShadowCoerce
 * (IsPathSupported, IsPathShadowCopied) and CheeseOunce (the event log's
 * ElfrOpenBELW, ElfrBackupELFW and their ANSI forms), and Coercer, which tries them all.
 *
 * Read from `dce_rpc.call` events whose stub the analyzer read
 * (coerce.ts): the path or callback host the call names. It is coercion
 * when that host is not the server itself: a UNC path (`\\host\share\...`)
 * naming another address or a name, or the WebDAV form (`\\host@80\...`,
 * which makes the server authenticate over HTTP, relayable to LDAP). A
 * local path (`C:\...`), the server's own address, localhost, or the name
 * the client resolved the server's address from (a DNS answer the engine
 * saw: `\\fs01\share` after looking up fs01.corp.example), or a name the
 * server announced or was given (NetBIOS, LLMNR, mDNS, DHCP) is not. A print
 * client registering for change notifications names itself by its
 * computer name; only an address (or the WebDAV form) there is reported.
 * Severity 3; 4 when the named host is the client itself (it waits for the
 * server's authentication) or the WebDAV form. The call's own status does
 * not lower it: the server reaches out before it fails (PetitPotam's
 * calls typically return ERROR_BAD_NETPATH); an RPC fault (the operation
 * refused or unknown) lowers it to 2.
 *
 * Under packet privacy (or when the stub was cut) the path is not known:
 * an EFSRPC or DFS root call is still reported, at severity 2, as they are
 * rare between ordinary hosts; print notifications, VSS agent queries and
 * event log backups, which print clients, backup software and log
 * collectors make all day, are not.
 * One alert per client -> server pair per dedup interval, naming the hosts
 * the server was sent to (evidence `listeners`, `webdav_listeners`, `paths`).
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { detectorOptions } from '../config/fields.js';
import type { Severity } from '../alerts/alert.js';
import type { Site } from '../config/site.js';
import { LruMap } from '../state/lru.js';
import { isIp, parseIp } from '../config/ip.js';
import { ResolvedNames, resolvedNamesFeed } from './server-names.js';
import type { DceRpcCallEvent } from '../protocols/dcerpc/events.js';
import { callFinding, addListed, callTallies, isOperation, MAX_RPC_PAIRS, pairKey, quotedName, transportText, type OperationTable } from './dcerpc-common.js';
import { hostEntryField } from './host-lists.js';
import { hostLabel, joinAnd } from './host-text.js';

export const OPTIONS = detectorOptions({
  /**
   * Clients allowed to make these calls (CIDRs or network names): a backup
   * server asking file servers about shadow copies of their shares, an EFS
   * administration host.
   */
  allowed_clients: z.array(hostEntryField).default([]),
});

/** The interface of each coercion call, with the tool known for it. */
const FAMILIES: readonly { endpoint: string; operations: readonly string[]; tool: string; quietWhenHidden: boolean }[] = [
  {
    endpoint: 'efsrpc',
    operations: [
      'EfsRpcOpenFileRaw', 'EfsRpcEncryptFileSrv', 'EfsRpcDecryptFileSrv', 'EfsRpcQueryUsersOnFile', 'EfsRpcQueryRecoveryAgents',
      'EfsRpcRemoveUsersFromFile', 'EfsRpcAddUsersToFile', 'EfsRpcFileKeyInfo', 'EfsRpcDuplicateEncryptionInfoFile',
      'EfsRpcGetEncryptedFileMetadata', 'EfsRpcSetEncryptedFileMetadata', 'EfsRpcEncryptFileExSrv',
    ],
    tool: 'PetitPotam',
    quietWhenHidden: false,
  },
  {
    endpoint: 'spoolss',
    operations: ['RpcRemoteFindFirstPrinterChangeNotification', 'RpcRemoteFindFirstPrinterChangeNotificationEx'],
    tool: 'PrinterBug',
    quietWhenHidden: true,
  },
  { endpoint: 'netdfs', operations: ['NetrDfsAddStdRoot', 'NetrDfsRemoveStdRoot'], tool: 'DFSCoerce', quietWhenHidden: false },
  { endpoint: 'FileServerVssAgent', operations: ['IsPathSupported', 'IsPathShadowCopied'], tool: 'ShadowCoerce', quietWhenHidden: true },
  { endpoint: 'eventlog', operations: ['ElfrBackupELFW', 'ElfrOpenBELW', 'ElfrBackupELFA', 'ElfrOpenBELA'], tool: 'CheeseOunce', quietWhenHidden: true },
];
const OPERATIONS: OperationTable = new Map(FAMILIES.map((f) => [f.endpoint, new Set(f.operations)]));
const FAMILY = new Map(FAMILIES.map((f) => [f.endpoint, f]));

/** Paths listed per alert. */
const MAX_PATHS = 5;
/** [MS-RPCE] 2.2.1.1.8: packet privacy encrypts the stub. */
const PKT_PRIVACY = 6;

/** What one pair's calls named. */
interface Named {
  listeners: Set<string>;
  /** Those named in the WebDAV form. */
  webdav: Set<string>;
  paths: Set<string>;
}

/** A named host for messages: an address with its network, or a quoted name. */
function hostText(site: Site, host: string): string {
  const address = addressOf(host);
  return address !== undefined ? hostLabel(site, address) : quotedName(host);
}

/** The host a path or callback name points the server at. */
export interface Listener {
  /** The host as named (an address or a name), lower-case. */
  host: string;
  /** The WebDAV form (`\\host@80\...`, `\\host@SSL@443\...`): the server authenticates over HTTP. */
  webdav: boolean;
}

/**
 * The host `text` makes the server reach: the first component of a UNC
 * path (`\\host\...`, `//host/...`, `\\?\UNC\host\...`), or a bare host
 * name when `bare` (a print callback names `\\host` or `host`); undefined
 * for a local path or nothing.
 */
export function listenerOf(text: string, bare = false): Listener | undefined {
  let t = text.trim().replace(/\//g, '\\');
  const long = /^\\\\[?.]\\unc\\/i.exec(t);
  if (long !== null) t = `\\\\${t.slice(long[0].length)}`;
  if (t.startsWith('\\\\')) t = t.slice(2);
  else if (!bare || /^[a-z]:|^\\/i.test(t)) return undefined;
  const end = t.indexOf('\\');
  const part = end < 0 ? t : t.slice(0, end);
  if (part === '' || part === '.' || part === '?') return undefined;
  const at = part.indexOf('@');
  const host = (at < 0 ? part : part.slice(0, at)).toLowerCase();
  if (host === '') return undefined;
  return { host, webdav: at >= 0 };
}

/** An address literal with IPv6 brackets removed, or undefined for a name. */
function addressOf(host: string): string | undefined {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  // A UNC path spells IPv6 addresses as "fe80--1.ipv6-literal.net".
  const literal = h.endsWith('.ipv6-literal.net') ? h.slice(0, -'.ipv6-literal.net'.length).replace(/-/g, ':').replace(/s/g, '%') : h;
  return isIp(literal) ? literal : undefined;
}

/** A name or address for the server itself ("localhost", 127.0.0.1, ::1): a path on the server, not another host. */
function isLoopback(host: string): boolean {
  const address = addressOf(host);
  if (address === undefined) return host === 'localhost';
  return sameAddress(address, '127.0.0.1') || sameAddress(address, '::1');
}

/**
 * True when `host`, a name from a path the client sent, names the server:
 * the name the client resolved the server's address from (DNS answers the
 * engine saw, server-names.ts), or a name the server's address announced or
 * was given (DHCP, mDNS, LLMNR, NBNS), each as the full name
 * ("fs01.corp.example") or its first label ("FS01", as NetBIOS-style paths
 * name it). A longer name whose first label matches does not count (a DNS
 * name "fs01.elsewhere.example" is not the NetBIOS host FS01). Without such
 * a name the host is taken for another one.
 */
export function isServerName(resolved: ResolvedNames, client: string, server: string, host: string): boolean {
  const named = (name: string): boolean => host === name || name.startsWith(`${host}.`);
  const name = resolved.get(client, server);
  if (name !== undefined && named(name)) return true;
  return resolved.announced(server).some(named);
}

/** Same address, however written ("::ffff:10.0.0.1" is 10.0.0.1, "fe80:0::1" is fe80::1). */
function sameAddress(a: string, b: string): boolean {
  const x = parseIp(a);
  const y = parseIp(b);
  return x !== null && y !== null && x.v === y.v && x.words.every((w, i) => w === y.words[i]);
}

export default defineDetector({
  id: 'dcerpc.coerce',
  name: 'Authentication coercion over RPC',
  description: 'A client made a server reach a host it named through EFSRPC, the print spooler, DFS, the VSS agent or the event log (PetitPotam, PrinterBug, DFSCoerce, ShadowCoerce, CheeseOunce), so the server authenticates to that host.',
  severity: 3,
  category: ['network', 'intrusion_detection'],
  technique: 'T1187',
  subscribes: ['dce_rpc.call', 'dns.answer', 'hostname'],
  options: OPTIONS,
  create(ctx) {
    const allowed = ctx.site.hostSet(ctx.options.allowed_clients);
    const resolved = ResolvedNames.of(ctx.site);
    const tally = callTallies(ctx, MAX_RPC_PAIRS);
    /** Per pair (as the tallies): the hosts named, the paths, whether any was WebDAV. */
    const named = new LruMap<string, Named>(MAX_RPC_PAIRS);

    return {
      ...resolvedNamesFeed(resolved),
      'dce_rpc.call'(e: DceRpcCallEvent) {
        if (!isOperation(OPERATIONS, e)) return;
        if (e.client === e.server || ctx.excluded(e.client) || ctx.excluded(e.server) || allowed.has(e.client)) return;
        const family = FAMILY.get(e.endpoint!)!;
        const d = e.details;
        const text = d?.path ?? d?.notify_host;
        const printer = d?.notify_host !== undefined;
        const listener = text !== undefined ? listenerOf(text, printer) : undefined;
        let severity: Severity;
        if (d === undefined) {
          if (family.quietWhenHidden) return;
          severity = 2;
        } else {
          if (listener === undefined || isLoopback(listener.host)) return;
          const address = addressOf(listener.host);
          if (address !== undefined ? sameAddress(address, e.server) : isServerName(resolved, e.client, e.server, listener.host)) return;
          // A print client names itself by its computer name: only an address or WebDAV stands out.
          if (printer && address === undefined && !listener.webdav) return;
          severity = listener.webdav || (address !== undefined && sameAddress(address, e.client)) ? 4 : 3;
        }
        if (e.fault !== undefined) severity = 2;

        const key = pairKey(e.client, e.server);
        const t = tally(key);
        t.reported = true;
        t.note(e);
        // A fresh tally (first call of the pair, or its alert no longer held) starts a fresh list.
        let n = named.get(key);
        if (n === undefined || t.calls === 1) {
          n = { listeners: new Set(), webdav: new Set(), paths: new Set() };
          named.set(key, n);
        }
        if (listener !== undefined && text !== undefined) {
          addListed(n.listeners, listener.host);
          if (listener.webdav) addListed(n.webdav, listener.host);
          if (n.paths.size < MAX_PATHS) addListed(n.paths, text);
        }

        const server = hostLabel(ctx.site, e.server);
        const ops = `${[...t.endpoints].join('/')} ${[...t.operations].join(', ')} over ${transportText(e)}${t.calls > 1 ? `; ${t.calls} calls` : ''}`;
        const returned = t.failures.size > 0 ? `, returned ${[...t.failures].join(', ')}` : '';
        const tools = joinAnd([...new Set([...t.endpoints].map((ep) => FAMILY.get(ep)?.tool ?? family.tool))]);
        let message: string;
        if (n.listeners.size > 0) {
          const names = [...n.listeners].map((h) => hostText(ctx.site, h));
          const reach = joinAnd([...n.listeners].map((h, i) => (n!.webdav.has(h) ? `${names[i]!} over WebDAV` : names[i]!)));
          const http = n.webdav.size > 0 ? ' (WebDAV: HTTP authentication, which can be relayed to LDAP)' : '';
          message =
            `${hostLabel(ctx.site, e.client)} made ${server} reach ${reach} over RPC (${ops}${returned}): ` +
            `authentication coercion (${tools}); the server authenticates to ${joinAnd(names)} as its machine account${http}`;
        } else {
          const why = e.auth_level !== undefined && e.auth_level >= PKT_PRIVACY ? 'encrypted' : 'not readable';
          message =
            `${hostLabel(ctx.site, e.client)} called ${server} over RPC (${ops}${returned}), a call that makes the server reach a path it is given; ` +
            `its stub was ${why}, so the host is not known: possible authentication coercion (${tools})`;
        }
        ctx.report({
          ...callFinding(e, key),
          severity,
          message,
          evidence: {
            ...t.evidence(e),
            listeners: [...n.listeners],
            webdav_listeners: [...n.webdav],
            paths: [...n.paths],
          },
        });
      },
    };
  },
});
