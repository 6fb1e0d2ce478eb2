/**
 * Which detection rules raise alerts on a listed indicator, by its kind, so
 * that `picket intel lookup` can say whether a match alerts without
 * guessing from `to_ids` alone. Only `to_ids` indicators alert at all, and
 * of those only the kinds a rule looks up: addresses and CIDRs (ip.bad on
 * connections, dns.bad_ip on DNS answers; net.bad_name on an address a
 * client names to its web proxy), domains (dns.bad_name on lookups,
 * net.bad_name on HTTP hosts, TLS SNI and certificate names), MISP
 * user-agent attributes (ua.malware on HTTP requests when their tags name a
 * malware family, ua.attack_tool otherwise), TLS client
 * fingerprints (tls.bad_fingerprint), SSH client and server fingerprints
 * (ssh.bad_fingerprint), the SHA-1 or SHA-256 of a TLS server's
 * certificates (tls.bad_certificate) and the MD5, SHA-1 or SHA-256 of a
 * file transferred over the network (file.bad_hash), and http(s) URLs
 * (http.bad_url on a request for that very URL: a listed URL condemns
 * neither its host nor other traffic to it). Keep this table in step with
 * the rules that call IndicatorIndex (src/detect/ip.bad.ts, dns.bad_ip.ts,
 * dns.bad_name.ts, net.bad_name.ts, http.bad_url.ts, ua.attack_tool.ts,
 * ua.malware.ts,
 * tls.bad_fingerprint.ts, ssh.bad_fingerprint.ts, tls.bad_certificate.ts,
 * file.bad_hash.ts).
 */
import type { IndicatorSource } from '../context.js';
import { malwareTagging } from '../ua/misp-agents.js';

export const ALERTING_RULES_BY_KIND: Readonly<Record<IndicatorSource['kind'], readonly string[]>> = {
  ip: ['ip.bad', 'dns.bad_ip', 'net.bad_name'],
  cidr: ['ip.bad', 'dns.bad_ip', 'net.bad_name'],
  domain: ['dns.bad_name', 'net.bad_name'],
  'user-agent': ['ua.attack_tool'],
  url: ['http.bad_url'],
  ja3: ['tls.bad_fingerprint'],
  ja3s: ['tls.bad_fingerprint'],
  ja4: ['tls.bad_fingerprint'],
  hassh: ['ssh.bad_fingerprint'],
  hassh_server: ['ssh.bad_fingerprint'],
  cert_sha1: ['tls.bad_certificate'],
  cert_sha256: ['tls.bad_certificate'],
  file_md5: ['file.bad_hash'],
  file_sha1: ['file.bad_hash'],
  file_sha256: ['file.bad_hash'],
};

const MALWARE_AGENT_RULES: readonly string[] = ['ua.malware'];

/** The rules that alert on traffic matching `m` (none unless it is flagged `to_ids`). */
export function alertingRules(m: Pick<IndicatorSource, 'kind' | 'to_ids' | 'tags'>): readonly string[] {
  if (!m.to_ids) return [];
  if (m.kind === 'user-agent' && malwareTagging(m.tags).malware) return MALWARE_AGENT_RULES;
  return ALERTING_RULES_BY_KIND[m.kind];
}

/** The rules that alert on any of `matches`, each once, in table order. */
export function alertingRulesOf(matches: readonly IndicatorSource[]): string[] {
  const out: string[] = [];
  for (const m of matches) for (const r of alertingRules(m)) if (!out.includes(r)) out.push(r);
  return out;
}
