/**
 * The shape of a grid scan (scan.port.horizontal): from a source's
 * "host port" pairs in the window, how many hosts and ports they span, and
 * the most ports probed on any one host and the most hosts on any one port
 * (either past its rule's threshold means the scan is a vertical scan or a
 * sweep, reported as such).
 */

/** Hosts and ports listed in an alert's evidence; the rest are only counted. */
const SAMPLE = 20;

export interface GridShape {
  hosts: number;
  ports: number;
  mostPortsOnOneHost: number;
  mostHostsOnOnePort: number;
  hostsSample: string[];
  /** Ports, ascending. */
  portsSample: number[];
}

/** Reads pairs written as `${host} ${port}`. */
export function gridShape(pairs: readonly string[]): GridShape {
  const portsPerHost = new Map<string, number>();
  const hostsPerPort = new Map<number, number>();
  let mostPorts = 0;
  let mostHosts = 0;
  for (const pair of pairs) {
    const sp = pair.lastIndexOf(' ');
    const host = pair.slice(0, sp);
    const port = Number(pair.slice(sp + 1));
    const p = (portsPerHost.get(host) ?? 0) + 1;
    portsPerHost.set(host, p);
    if (p > mostPorts) mostPorts = p;
    const h = (hostsPerPort.get(port) ?? 0) + 1;
    hostsPerPort.set(port, h);
    if (h > mostHosts) mostHosts = h;
  }
  return {
    hosts: portsPerHost.size,
    ports: hostsPerPort.size,
    mostPortsOnOneHost: mostPorts,
    mostHostsOnOnePort: mostHosts,
    hostsSample: [...portsPerHost.keys()].slice(0, SAMPLE),
    portsSample: [...hostsPerPort.keys()].sort((a, b) => a - b).slice(0, SAMPLE),
  };
}
