/**
 * Network namespaces for the egress test: an "agent" namespace (10.x) and
 * an "Internet" namespace holding 198.51.100.1, joined by a veth pair. The
 * agent namespace has no route out until the test adds one. Everything is
 * named after the test process id and removed by `destroy()`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const INTERNET_IP = '198.51.100.1';
const AGENT_IP = '10.213.0.2';
const GATEWAY_IP = '10.213.0.1';

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export interface TestNet {
  agentNs: string;
  internetNs: string;
  gateway: string;
  /** Gives the agent namespace a default route into the Internet namespace. */
  connect(): void;
  /** Removes that route again. */
  isolate(): void;
  destroy(): void;
}

/** Creates the namespaces; null when this process may not (not root, no ip). */
export function createTestNet(resolver: string): TestNet | null {
  const tag = String(process.pid % 1_000_000);
  const agentNs = `pkt-eg-${tag}-a`;
  const internetNs = `pkt-eg-${tag}-i`;
  const vethA = `pkv${tag}a`;
  const vethI = `pkv${tag}i`;
  const etcDir = path.join('/etc/netns', agentNs);
  const destroy = (): void => {
    for (const ns of [agentNs, internetNs]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        /* not there */
      }
    }
    fs.rmSync(etcDir, { recursive: true, force: true });
  };
  try {
    ip('netns', 'add', agentNs);
  } catch {
    return null;
  }
  try {
    ip('netns', 'add', internetNs);
    ip('link', 'add', vethA, 'netns', agentNs, 'type', 'veth', 'peer', 'name', vethI, 'netns', internetNs);
    ip('-n', agentNs, 'link', 'set', 'lo', 'up');
    ip('-n', internetNs, 'link', 'set', 'lo', 'up');
    ip('-n', agentNs, 'addr', 'add', `${AGENT_IP}/24`, 'dev', vethA);
    ip('-n', internetNs, 'addr', 'add', `${GATEWAY_IP}/24`, 'dev', vethI);
    ip('-n', internetNs, 'addr', 'add', `${INTERNET_IP}/32`, 'dev', 'lo');
    ip('-n', agentNs, 'link', 'set', vethA, 'up');
    ip('-n', internetNs, 'link', 'set', vethI, 'up');
    // `ip netns exec` bind-mounts this over /etc/resolv.conf: the system resolver of the agent namespace.
    fs.mkdirSync(etcDir, { recursive: true });
    fs.writeFileSync(path.join(etcDir, 'resolv.conf'), `nameserver ${resolver}\noptions timeout:1 attempts:1\n`);
  } catch (err) {
    destroy();
    throw err;
  }
  return {
    agentNs,
    internetNs,
    gateway: GATEWAY_IP,
    connect: () => ip('-n', agentNs, 'route', 'add', 'default', 'via', GATEWAY_IP),
    isolate: () => ip('-n', agentNs, 'route', 'del', 'default'),
    destroy,
  };
}
