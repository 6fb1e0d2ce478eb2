/**
 * dcerpc.printer_driver — a client installs a printer driver on another
 * host's print spooler over RPC: RpcAddPrinterDriver and
 * RpcAddPrinterDriverEx ([MS-RPRN] 3.1.4.4.1, 3.1.4.4.8) or
 * RpcAsyncAddPrinterDriver ([MS-PAR] 3.1.4.2.2). The spooler loads the
 * driver's configuration file as SYSTEM, which is how PrintNightmare
 * (CVE-2021-1675, CVE-2021-34527) runs an attacker's DLL on the target,
 * domain controllers included (T1210, exploitation of remote services).
 * Print servers are given drivers by administrators and print management
 * consoles: list those in `allowed_clients`.
 *
 * When the request's stub is in clear (MS-RPRN over \PIPE\spoolss without
 * packet privacy; MS-PAR requires it) the analyzer read the driver's name
 * and files (printer-driver.ts) and the alert names them. Severity 4 when
 * a file is on another host's share (`\\host\share\x.dll`: the spooler
 * copies the attacker's DLL; not the server's own address, nor the name
 * the client resolved it from or one the server announced) or the configuration file is loaded from the
 * spooler's "old" driver folder (`...\spool\drivers\x64\3\old\1\x.dll`,
 * where the exploit's second call finds the DLL its first call copied).
 * A call that failed (ERROR_ACCESS_DENIED from a patched spooler, or an
 * RPC fault) is reported at severity 2 (`report_failed`). One alert per
 * client -> server pair per dedup interval.
 */
import type { DceRpcCallDetails, DceRpcCallEvent } from '../protocols/dcerpc/events.js';
import { defineDetector } from './detector.js';
import { createRemoteExec, operationActions, quotedCommand, quotedName, REMOTE_EXEC_OPTIONS, type CallDescription } from './dcerpc-common.js';
import { isServerName, listenerOf } from './dcerpc.coerce.js';
import { ResolvedNames, resolvedNamesFeed } from './server-names.js';

export const OPTIONS = REMOTE_EXEC_OPTIONS;

const INSTALLED = 'installed a printer driver';

const OPERATIONS = operationActions([
  ['spoolss', [['RpcAddPrinterDriver', INSTALLED], ['RpcAddPrinterDriverEx', INSTALLED]]],
  ['IRemoteWinspool', [['RpcAsyncAddPrinterDriver', INSTALLED]]],
]);

/** The spooler's folder of replaced driver files: `\spool\drivers\<environment>\<version>\old\<n>\`. */
const OLD_DRIVER_FOLDER = /\\spool\\drivers\\[^\\]+\\\d+\\old\\/i;

/** True when `host` (from a path in call `e`) names its server: its address, the name its client resolved it from, or one the server announced. */
type IsServer = (e: DceRpcCallEvent, host: string) => boolean;

/** A file of the driver on a share of a host other than the server, as [file, host]. */
function remoteFile(e: DceRpcCallEvent, d: DceRpcCallDetails, isServer: IsServer): [string, string] | undefined {
  for (const file of [d.config_file, d.data_file, d.driver_path]) {
    if (file === undefined || file === '') continue;
    const at = listenerOf(file);
    if (at !== undefined && !isServer(e, at.host)) return [file, at.host];
  }
  return undefined;
}

/** What a driver installation's details say; a file on another host's share or a DLL from the "old" folder is severity 4. */
export function describeDriverCall(e: DceRpcCallEvent, d: DceRpcCallDetails, isServer: IsServer): CallDescription {
  const driver = d.driver_name !== undefined ? `printer driver ${quotedName(d.driver_name)}` : 'a printer driver';
  const remote = remoteFile(e, d, isServer);
  const config = d.config_file;
  const old = config !== undefined && OLD_DRIVER_FOLDER.test(config);
  const patterns = [...(remote !== undefined ? ['driver_file_on_share'] : []), ...(old ? ['old_driver_folder'] : [])];
  let what: string;
  if (remote !== undefined) what = `${driver} with a file on ${remote[1]}'s share (${quotedCommand(remote[0])})`;
  else if (old) what = `${driver} loading ${quotedCommand(config)} from the spooler's folder of replaced driver files`;
  else what = config !== undefined && config !== '' ? `${driver} loading ${quotedCommand(config)}` : driver;
  return { action: `installed ${what}`, subject: what, ...(patterns.length > 0 ? { severity: 4, patterns } : {}) };
}

export default defineDetector({
  id: 'dcerpc.printer_driver',
  name: 'Remote printer driver installation',
  description: "A client installed a printer driver on another host's print spooler over RPC (PrintNightmare when the driver's files come from the client's share).",
  severity: 3,
  category: ['network', 'intrusion_detection'],
  technique: 'T1210',
  subscribes: ['dce_rpc.call', 'dns.answer', 'hostname'],
  options: OPTIONS,
  create(ctx) {
    const resolved = ResolvedNames.of(ctx.site);
    const isServer: IsServer = (e, host) => host === e.server || isServerName(resolved, e.client, e.server, host);
    const handlers = createRemoteExec(ctx, {
      operations: OPERATIONS,
      attempt: 'tried to install a printer driver',
      describe: (e, d) => describeDriverCall(e, d, isServer),
    });
    return { ...handlers, ...resolvedNamesFeed(resolved) };
  },
});
