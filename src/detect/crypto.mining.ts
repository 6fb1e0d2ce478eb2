/**
 * crypto.mining — an internal host mining cryptocurrency for someone
 * (T1496, resource hijacking): the usual aim of a compromised Linux server,
 * container or cloud instance (XMRig dropped by a botnet or a Kinsing-style
 * campaign). Two kinds of evidence:
 *
 * - a Stratum sign-in (stratum.login: mining.subscribe/authorize, a Monero
 *   pool's login, eth_submitLogin), on any port, by content: severity 4,
 *   naming the mining software and the wallet or worker;
 * - a DNS lookup or TLS server name of a mining pool (POOL_DOMAINS and
 *   `pool_domains`, with their subdomains): severity 3 (miners that speak
 *   TLS to the pool show nothing else; a lookup alone may be a blocked try).
 *
 * One alert per client within the dedup interval, its severity the highest
 * evidence seen.
 */
import { z } from 'zod';
import { defineDetector } from './detector.js';
import { openTally } from './alert-tally.js';
import { detectorOptions } from '../config/fields.js';
import { LruMap } from '../state/lru.js';
import { hostEntryField } from './host-lists.js';
import { hostLabel, joinAnd } from './host-text.js';
import { allowedDomains, serverName, underDomain } from './server-names.js';
import { hostPort } from '../util/host-port.js';

/** Registrable domains of well-known public mining pools. */
export const POOL_DOMAINS: readonly string[] = [
  'supportxmr.com', 'minexmr.com', 'xmrpool.eu', 'moneroocean.stream', 'hashvault.pro', 'c3pool.com', 'c3pool.org',
  'monerohash.com', 'xmrpool.net', 'nanopool.org', '2miners.com', 'f2pool.com', 'ethermine.org', 'herominers.com',
  'unmineable.com', 'nicehash.com', 'miningpoolhub.com', 'viabtc.com', 'antpool.com', 'poolin.com', 'slushpool.com',
  'braiins.com', 'kryptex.network', 'woolypooly.com', 'flexpool.io', 'hiveon.net', 'dxpool.com', 'minergate.com',
  'crypto-pool.fr', 'dwarfpool.com', 'zpool.ca', 'zergpool.com', 'prohashing.com', 'mining-dutch.nl', 'p2pool.io',
  'xmr.pt', 'gntl.uk', 'monero.crypto-pool.fr', 'pool.hashvault.pro', 'rplant.xyz',
];

/** Clients whose tallies are kept. */
const MAX_CLIENTS = 10000;
/** Pools, agents and wallets listed per alert. */
const MAX_LISTED = 10;

export const OPTIONS = detectorOptions({
  /** More pool domains (and their subdomains). */
  pool_domains: z.array(z.string().min(1)).default([]),
  /** Hosts allowed to mine or look pools up (CIDRs, addresses or network names): a research or mining rig. */
  allowed_clients: z.array(hostEntryField).default([]),
});

interface Tally {
  pools: Set<string>;
  agents: Set<string>;
  wallets: Set<string>;
  lookups: Set<string>;
  signIns: number;
  accepted: boolean;
}

export default defineDetector({
  id: 'crypto.mining',
  name: 'Cryptocurrency mining',
  description: 'An internal host signed in to a mining pool over Stratum, or looked one up: cryptocurrency mining on a hijacked machine.',
  severity: 3,
  category: ['network', 'intrusion_detection'],
  technique: 'T1496',
  subscribes: ['stratum.login', 'dns', 'ssl'],
  options: OPTIONS,
  create(ctx) {
    const pools = allowedDomains([...POOL_DOMAINS, ...ctx.options.pool_domains]);
    const allowed = ctx.site.hostSet(ctx.options.allowed_clients);
    const tallies = new LruMap<string, Tally>(MAX_CLIENTS);
    const judged = (client: string, server: string): boolean =>
      ctx.site.isInternal(client) && !ctx.excluded(client) && !ctx.excluded(server) && !allowed.has(client);
    const tallyOf = (client: string): Tally =>
      openTally(ctx, tallies, client, () => ({ pools: new Set<string>(), agents: new Set<string>(), wallets: new Set<string>(), lookups: new Set<string>(), signIns: 0, accepted: false }));
    const report = (ts: number, client: string, server: string, port: number, t: Tally): void => {
      const mining = t.signIns > 0;
      const what = mining
        ? `signed in to mining pool ${joinAnd([...t.pools])}` +
          (t.agents.size > 0 ? ` with ${joinAnd([...t.agents])}` : '') +
          (t.wallets.size > 0 ? ` as ${joinAnd([...t.wallets])}` : '') +
          (t.accepted ? ', and the pool accepted it' : '')
        : `looked up or connected to mining pool ${joinAnd([...t.lookups])}`;
      ctx.report({
        ts,
        key: client,
        severity: mining ? 4 : 3,
        source: { ip: client },
        destination: { ip: server, port },
        transport: port === 53 ? 'udp' : 'tcp',
        message: `${hostLabel(ctx.site, client)} ${what}` + (mining && t.lookups.size > 0 ? ` (looked up ${joinAnd([...t.lookups])})` : ''),
        evidence: {
          pools: [...t.pools],
          agents: [...t.agents],
          wallets: [...t.wallets],
          pool_names: [...t.lookups],
          sign_ins: t.signIns,
          accepted: t.accepted,
        },
      });
    };
    const poolName = (name: string | undefined): string | undefined => {
      const n = serverName(name);
      return n !== undefined && underDomain(n, pools) ? n : undefined;
    };
    return {
      'stratum.login'(e) {
        if (!judged(e.client, e.server)) return;
        const t = tallyOf(e.client);
        t.signIns++;
        if (e.accepted === true) t.accepted = true;
        if (t.pools.size < MAX_LISTED) t.pools.add(hostPort(e.server, e.server_port));
        if (e.agent !== undefined && t.agents.size < MAX_LISTED) t.agents.add(e.agent);
        if (e.user !== undefined && t.wallets.size < MAX_LISTED) t.wallets.add(e.user);
        report(e.ts, e.client, e.server, e.server_port, t);
      },
      dns(e) {
        const r = e.record;
        const name = poolName(r.query);
        if (name === undefined || r['id.resp_p'] !== 53 || !judged(r['id.orig_h'], r['id.resp_h'])) return;
        const t = tallyOf(r['id.orig_h']);
        if (t.lookups.size < MAX_LISTED) t.lookups.add(name);
        report(r.ts, r['id.orig_h'], r['id.resp_h'], r['id.resp_p'], t);
      },
      ssl(e) {
        const r = e.record;
        const name = poolName(r.server_name);
        if (name === undefined || !judged(r['id.orig_h'], r['id.resp_h'])) return;
        const t = tallyOf(r['id.orig_h']);
        if (t.lookups.size < MAX_LISTED) t.lookups.add(name);
        if (t.pools.size < MAX_LISTED) t.pools.add(`${name} (${hostPort(r['id.resp_h'], r['id.resp_p'])})`);
        report(r.ts, r['id.orig_h'], r['id.resp_h'], r['id.resp_p'], t);
      },
    };
  },
});
