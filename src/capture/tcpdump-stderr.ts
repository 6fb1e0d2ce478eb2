/**
 * Understands what tcpdump writes on stderr: the "listening on" line that
 * says capture has started, the counters it prints at exit (received by
 * filter, dropped by kernel), and the one-line reasons it fails to start,
 * which become coded errors quoting tcpdump's own words.
 */
import { PicketError } from '../util/errors.js';

/** What has been learned from tcpdump's stderr so far. */
export interface TcpdumpReport {
  /** tcpdump printed "listening on ...": the capture is live. */
  listening: boolean;
  /** "N packets received by filter", printed at exit. */
  receivedByFilter: number | undefined;
  /** "N packets dropped by kernel", printed at exit. */
  kernelDrops: number | undefined;
  /** "N packets dropped by interface", printed at exit by newer libpcap on some systems. */
  interfaceDrops: number | undefined;
}

export function createTcpdumpReport(): TcpdumpReport {
  return { listening: false, receivedByFilter: undefined, kernelDrops: undefined, interfaceDrops: undefined };
}

const COUNTER = /^(\d+) packets? (received by filter|dropped by kernel|dropped by interface)$/;

/** Updates `report` from one stderr line. */
function isCounterLine(text: string): boolean {
  return text.split(', ').some((part) => COUNTER.test(part) || /^\d+ packets? captured$/.test(part));
}

function isListeningLine(text: string): boolean {
  return text.startsWith('tcpdump: listening on ') || text.startsWith('listening on ');
}

export function readTcpdumpLine(line: string, report: TcpdumpReport): void {
  const text = line.trim();
  if (isListeningLine(text)) {
    report.listening = true;
    return;
  }
  // At exit one counter a line; asked with SIGUSR1, all on one line joined by ", ".
  for (const part of text.split(', ')) {
    const m = COUNTER.exec(part);
    if (m === null) continue;
    const n = Number(m[1]);
    if (m[2] === 'received by filter') report.receivedByFilter = n;
    else if (m[2] === 'dropped by kernel') report.kernelDrops = n;
    else report.interfaceDrops = n;
  }
}

/** Turns the stderr of a tcpdump that failed into an actionable coded error. */
export function tcpdumpFailure(iface: string, lines: readonly string[], exit: string): PicketError {
  // Its last complaint, not "listening on ...", which a capture that failed later also printed first.
  const complaints = lines.filter((l) => l.trim() !== '' && !isListeningLine(l.trim()) && !isCounterLine(l.trim()));
  const said = complaints.findLast((l) => l.startsWith('tcpdump: ')) ?? complaints[complaints.length - 1] ?? '';
  const quoted = said === '' ? `(tcpdump printed nothing; ${exit})` : `tcpdump said: "${said.trim()}"`;
  const all = lines.join('\n');
  if (/permission|not permitted|access denied/i.test(all)) {
    return new PicketError('PKT_ERR_CAPTURE_PERMISSION',
      `no permission to capture on interface "${iface}"; run as root or give tcpdump CAP_NET_RAW and CAP_NET_ADMIN. ${quoted}`);
  }
  if (/no such device|doesn't exist|does not exist|no suitable device|not found/i.test(all)) {
    return new PicketError('PKT_ERR_CAPTURE_INTERFACE',
      `cannot capture on interface "${iface}": no such interface (list them with \`ip link\`). ${quoted}`);
  }
  if (/syntax error|parse filter|filter expression/i.test(all)) {
    return new PicketError('PKT_ERR_CAPTURE_FILTER', `the capture filter was rejected. ${quoted}`);
  }
  return new PicketError('PKT_ERR_CAPTURE_TCPDUMP_EXIT', `tcpdump stopped unexpectedly (${exit}). ${quoted}`);
}
