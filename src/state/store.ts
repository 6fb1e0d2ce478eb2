/**
 * Persistent sensor memory (`--state DIR`): known devices per network (MAC,
 * IPs, hostnames, first/last seen), user-agents seen (overall, and per
 * network with the hosts that sent them), first-seen times of
 * arbitrary things, and the first start of the sensor (for the learning
 * period). One JSON file per kind, written atomically (temporary file, then
 * rename) so a crash mid-write never leaves a half file. Every collection is
 * capped; what does not fit is counted, not stored.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PicketError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { cutText } from '../util/cut-text.js';

/** A /16 worth of devices per network: beyond that the network is not a LAN segment. */
export const MAX_DEVICES_PER_NETWORK = 65536;
/** Addresses remembered per device (DHCP churn would otherwise grow it forever); newest kept. */
export const MAX_IPS_PER_DEVICE = 16;
/** Hostnames remembered per device; newest kept. */
export const MAX_HOSTNAMES_PER_DEVICE = 8;
/**
 * Longest hostname stored for a device; longer ones are cut (real names are
 * far shorter). A 255-byte name from a spoofed mDNS or DHCP packet is written
 * with escapes as over 1,000 characters: 8 of them for each of
 * MAX_DEVICES_PER_NETWORK devices was over 600 MB per network (and as much
 * JSON on every save); cut, a full network (16 addresses and 8 names per
 * device) is about 160 MB.
 */
export const MAX_HOSTNAME_LENGTH = 128;
/** Distinct user-agents remembered (the long tail of versions is unbounded on the Internet). */
export const MAX_USER_AGENTS = 20000;
/** Generic first-seen entries ("kind:value"). */
export const MAX_FIRST_SEEN = 200000;
/**
 * Longest user-agent stored; longer ones are cut (they are attack payloads as
 * often as not) into strings of their own: a plain slice kept the whole header
 * (up to 8 KiB) alive, 400 MB across MAX_NETWORK_USER_AGENTS.
 */
export const MAX_USER_AGENT_LENGTH = 512;
/** (network, user-agent) pairs remembered with their hosts, for ua.unusual. */
export const MAX_NETWORK_USER_AGENTS = 50000;
/** Hosts remembered per user-agent and network: past a handful the agent is common there, so more are not kept. */
export const MAX_HOSTS_PER_USER_AGENT = 32;

export const STATE_VERSION = 1;

export interface DeviceRecord {
  mac: string;
  ips: string[];
  hostnames: string[];
  first_seen: number;
  last_seen: number;
}

export interface SeenRecord {
  first_seen: number;
  last_seen: number;
  count: number;
}

/** Which hosts of one network sent one user-agent (capped at MAX_HOSTS_PER_USER_AGENT). */
export interface UserAgentHosts {
  first_seen: number;
  last_seen: number;
  hosts: string[];
}

export interface UserAgentHostNote {
  record: UserAgentHosts;
  /** First time this agent is seen in this network. */
  newAgent: boolean;
  /** First time this host is seen with it (always false once the host list is full). */
  newHost: boolean;
}

interface MetaFile {
  version: number;
  /** Packet time of the first event the sensor ever processed with this state. */
  first_start: number | null;
  saved_at: number | null;
}

const FILES = {
  meta: 'meta.json',
  devices: 'devices.json',
  userAgents: 'user-agents.json',
  firstSeen: 'first-seen.json',
  userAgentHosts: 'user-agent-hosts.json',
} as const;

export type DeviceNote = 'new' | 'known' | 'dropped';

export class StateStore {
  readonly dir: string | undefined;
  #firstStart: number | null = null;
  #lastTs: number | null = null;
  readonly #devices = new Map<string, Map<string, DeviceRecord>>();
  readonly #userAgents = new Map<string, SeenRecord>();
  readonly #firstSeen = new Map<string, number>();
  /** network -> user-agent -> hosts. */
  readonly #uaHosts = new Map<string, Map<string, UserAgentHosts>>();
  #uaHostCount = 0;
  #dirty = false;
  /** Things not stored because a cap was reached, by kind. */
  readonly dropped = { devices: 0, user_agents: 0, first_seen: 0, user_agent_hosts: 0 };

  private constructor(dir: string | undefined) {
    this.dir = dir;
  }

  /** An in-memory store (no --state): same API, nothing written. */
  static memory(): StateStore {
    return new StateStore(undefined);
  }

  /**
   * Loads `dir` (created on first save when missing). A file that is not valid
   * state raises PKT_ERR_STATE_CORRUPT naming it: starting empty instead would
   * report every known device as new.
   */
  static load(dir: string): StateStore {
    checkStateDir(dir);
    const s = new StateStore(dir);
    const meta = readJson(dir, FILES.meta) as Partial<MetaFile> | undefined;
    if (meta !== undefined) {
      if (typeof meta !== 'object' || meta === null) corrupt(dir, FILES.meta, 'not an object');
      if (meta.version !== STATE_VERSION) corrupt(dir, FILES.meta, `unsupported version ${String(meta.version)}`);
      s.#firstStart = typeof meta.first_start === 'number' ? meta.first_start : null;
    }
    const devices = readJson(dir, FILES.devices);
    if (devices !== undefined) {
      if (typeof devices !== 'object' || devices === null || Array.isArray(devices)) corrupt(dir, FILES.devices, 'not an object');
      for (const [net, list] of Object.entries(devices as Record<string, unknown>)) {
        if (!Array.isArray(list)) corrupt(dir, FILES.devices, `network ${net} is not a list`);
        const m = new Map<string, DeviceRecord>();
        for (const d of list as unknown[]) {
          const r = d as Partial<DeviceRecord>;
          if (typeof r?.mac !== 'string' || typeof r.first_seen !== 'number') corrupt(dir, FILES.devices, `bad device in ${net}`);
          m.set(r.mac!, {
            mac: r.mac!,
            ips: Array.isArray(r.ips) ? r.ips.filter((x) => typeof x === 'string') : [],
            hostnames: Array.isArray(r.hostnames) ? r.hostnames.filter((x) => typeof x === 'string') : [],
            first_seen: r.first_seen!,
            last_seen: typeof r.last_seen === 'number' ? r.last_seen : r.first_seen!,
          });
        }
        s.#devices.set(net, m);
      }
    }
    const uas = readJson(dir, FILES.userAgents);
    if (uas !== undefined) {
      if (typeof uas !== 'object' || uas === null) corrupt(dir, FILES.userAgents, 'not an object');
      for (const [ua, rec] of Object.entries(uas as Record<string, SeenRecord>)) {
        if (typeof rec?.first_seen === 'number') s.#userAgents.set(ua, { first_seen: rec.first_seen, last_seen: rec.last_seen ?? rec.first_seen, count: rec.count ?? 1 });
      }
    }
    const fsn = readJson(dir, FILES.firstSeen);
    if (fsn !== undefined) {
      if (typeof fsn !== 'object' || fsn === null) corrupt(dir, FILES.firstSeen, 'not an object');
      for (const [k, v] of Object.entries(fsn as Record<string, unknown>)) if (typeof v === 'number') s.#firstSeen.set(k, v);
    }
    const uah = readJson(dir, FILES.userAgentHosts);
    if (uah !== undefined) {
      if (typeof uah !== 'object' || uah === null || Array.isArray(uah)) corrupt(dir, FILES.userAgentHosts, 'not an object');
      for (const [net, agents] of Object.entries(uah as Record<string, unknown>)) {
        if (typeof agents !== 'object' || agents === null) corrupt(dir, FILES.userAgentHosts, `network ${net} is not an object`);
        const m = new Map<string, UserAgentHosts>();
        for (const [ua, rec] of Object.entries(agents as Record<string, Partial<UserAgentHosts>>)) {
          if (typeof rec?.first_seen !== 'number' || !Array.isArray(rec.hosts)) continue;
          const hosts = rec.hosts.filter((h): h is string => typeof h === 'string').slice(0, MAX_HOSTS_PER_USER_AGENT);
          m.set(ua, { first_seen: rec.first_seen, last_seen: typeof rec.last_seen === 'number' ? rec.last_seen : rec.first_seen, hosts });
        }
        s.#uaHosts.set(net, m);
        s.#uaHostCount += m.size;
      }
    }
    return s;
  }

  /** Packet time of the sensor's first event ever (null before the first event). */
  get firstStart(): number | null {
    return this.#firstStart;
  }

  get dirty(): boolean {
    return this.#dirty;
  }

  /** Called with every event time the engine sees: records the first start once. */
  touch(ts: number): void {
    if (this.#firstStart === null) {
      this.#firstStart = ts;
      this.#dirty = true;
    }
    this.#lastTs = ts;
  }

  device(network: string, mac: string): DeviceRecord | undefined {
    return this.#devices.get(network)?.get(mac);
  }

  /** Devices of a network (for the inventory and tests). */
  devices(network: string): DeviceRecord[] {
    return [...(this.#devices.get(network)?.values() ?? [])];
  }

  /** Records a sighting; 'new' the first time this MAC is seen in this network. */
  noteDevice(network: string, mac: string, ip: string | undefined, hostname: string | undefined, ts: number): DeviceNote {
    let net = this.#devices.get(network);
    if (net === undefined) {
      net = new Map();
      this.#devices.set(network, net);
    }
    let d = net.get(mac);
    let note: DeviceNote = 'known';
    if (d === undefined) {
      if (net.size >= MAX_DEVICES_PER_NETWORK) {
        this.dropped.devices++;
        return 'dropped';
      }
      d = { mac, ips: [], hostnames: [], first_seen: ts, last_seen: ts };
      net.set(mac, d);
      note = 'new';
      this.#dirty = true;
    }
    if (ts > d.last_seen) d.last_seen = ts;
    if (ts < d.first_seen) d.first_seen = ts;
    if (ip !== undefined && pushCapped(d.ips, ip, MAX_IPS_PER_DEVICE)) this.#dirty = true;
    if (hostname !== undefined && pushCapped(d.hostnames, cutText(hostname, MAX_HOSTNAME_LENGTH), MAX_HOSTNAMES_PER_DEVICE)) this.#dirty = true;
    return note;
  }

  /** Records a user-agent; true when it had never been seen. */
  noteUserAgent(ua: string, ts: number): boolean {
    const key = cutText(ua, MAX_USER_AGENT_LENGTH);
    const r = this.#userAgents.get(key);
    if (r !== undefined) {
      r.count++;
      if (ts > r.last_seen) r.last_seen = ts;
      return false;
    }
    if (this.#userAgents.size >= MAX_USER_AGENTS) {
      this.dropped.user_agents++;
      return true;
    }
    this.#userAgents.set(key, { first_seen: ts, last_seen: ts, count: 1 });
    this.#dirty = true;
    return true;
  }

  userAgent(ua: string): SeenRecord | undefined {
    return this.#userAgents.get(cutText(ua, MAX_USER_AGENT_LENGTH));
  }

  /**
   * Records that `host` of `network` sent `ua` (cut to MAX_USER_AGENT_LENGTH);
   * undefined when the table is full (counted in `dropped`).
   */
  noteUserAgentHost(network: string, ua: string, host: string, ts: number): UserAgentHostNote | undefined {
    const key = cutText(ua, MAX_USER_AGENT_LENGTH);
    let net = this.#uaHosts.get(network);
    if (net === undefined) {
      net = new Map();
      this.#uaHosts.set(network, net);
    }
    let r = net.get(key);
    if (r === undefined) {
      if (this.#uaHostCount >= MAX_NETWORK_USER_AGENTS) {
        this.dropped.user_agent_hosts++;
        return undefined;
      }
      r = { first_seen: ts, last_seen: ts, hosts: [host] };
      net.set(key, r);
      this.#uaHostCount++;
      this.#dirty = true;
      return { record: r, newAgent: true, newHost: true };
    }
    if (ts > r.last_seen) r.last_seen = ts;
    let newHost = false;
    if (r.hosts.length < MAX_HOSTS_PER_USER_AGENT && !r.hosts.includes(host)) {
      r.hosts.push(host);
      newHost = true;
      this.#dirty = true;
    }
    return { record: r, newAgent: false, newHost };
  }

  /**
   * The same bookkeeping for a TLS client fingerprint (JA4) in `network`,
   * kept beside the user-agents under the network key "tls:<network>" (no
   * network name has a colon), so both share the file and its bounds.
   */
  noteTlsClientHost(network: string, fingerprint: string, host: string, ts: number): UserAgentHostNote | undefined {
    return this.noteUserAgentHost(`tls:${network}`, fingerprint, host, ts);
  }

  /** What is known about `ua` in `network`. */
  userAgentHosts(network: string, ua: string): UserAgentHosts | undefined {
    return this.#uaHosts.get(network)?.get(cutText(ua, MAX_USER_AGENT_LENGTH));
  }

  /** First-seen time of `kind:value`, recording `ts` if it is new. */
  firstSeen(kind: string, value: string, ts: number): number {
    const key = `${kind}:${value}`;
    const t = this.#firstSeen.get(key);
    if (t !== undefined) return t;
    if (this.#firstSeen.size >= MAX_FIRST_SEEN) {
      this.dropped.first_seen++;
      return ts;
    }
    this.#firstSeen.set(key, ts);
    this.#dirty = true;
    return ts;
  }

  counts(): { networks: number; devices: number; user_agents: number; first_seen: number } {
    let devices = 0;
    for (const m of this.#devices.values()) devices += m.size;
    return { networks: this.#devices.size, devices, user_agents: this.#userAgents.size, first_seen: this.#firstSeen.size };
  }

  /** Writes every file atomically when something changed; a no-op for the in-memory store. */
  save(): void {
    if (this.dir === undefined) return;
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      const devices: Record<string, DeviceRecord[]> = {};
      for (const [net, m] of this.#devices) devices[net] = [...m.values()];
      writeAtomic(this.dir, FILES.devices, devices);
      writeAtomic(this.dir, FILES.userAgents, Object.fromEntries(this.#userAgents));
      writeAtomic(this.dir, FILES.firstSeen, Object.fromEntries(this.#firstSeen));
      const uaHosts: Record<string, Record<string, UserAgentHosts>> = {};
      for (const [net, m] of this.#uaHosts) uaHosts[net] = Object.fromEntries(m);
      writeAtomic(this.dir, FILES.userAgentHosts, uaHosts);
      const meta: MetaFile = { version: STATE_VERSION, first_start: this.#firstStart, saved_at: this.#lastTs };
      writeAtomic(this.dir, FILES.meta, meta);
    } catch (err) {
      throw new PicketError('PKT_ERR_STATE_WRITE', `cannot write state to ${this.dir}: ${(err as Error).message}`, { cause: err });
    }
    this.#dirty = false;
  }
}

/** Adds `value` if absent, dropping the oldest beyond `cap`; true when the list changed. */
function pushCapped(list: string[], value: string, cap: number): boolean {
  if (list.includes(value)) return false;
  if (list.length >= cap) list.shift();
  list.push(value);
  return true;
}

/**
 * A state directory that names a file (a --state given a config or capture
 * by mistake) is refused by name, before a raw ENOTDIR from its first read.
 */
function checkStateDir(dir: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new PicketError('PKT_ERR_STATE_READ', `state directory ${dir} cannot be made: a folder on its path is a file`, { cause: err });
    }
    return; // missing: made on the first save
  }
  if (!st.isDirectory()) throw new PicketError('PKT_ERR_STATE_READ', `state directory ${dir} is a file, not a directory`);
}

function readJson(dir: string, name: string): unknown {
  const file = path.join(dir, name);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PicketError('PKT_ERR_STATE_READ', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return corrupt(dir, name, (err as Error).message);
  }
}

function corrupt(dir: string, name: string, why: string): never {
  throw new PicketError('PKT_ERR_STATE_CORRUPT', `${path.join(dir, name)} is not valid Picket state (${why}); move it away to start afresh`);
}

function writeAtomic(dir: string, name: string, value: unknown): void {
  writeFileAtomic(path.join(dir, name), JSON.stringify(value, null, 1) + '\n');
}
