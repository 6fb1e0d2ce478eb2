/**
 * The rules of the alerts agents raise themselves (the honeypot and the
 * egress check), outside the detection engine. Sink filters name them
 * beside the detectors' rule ids.
 */
import type { AlertRule } from '../alerts/alert.js';

/** Any contact is suspicious on a port nothing legitimate uses: high severity, discovery (T1046). */
export const HONEYPOT_TCP_RULE: AlertRule = {
  id: 'honeypot.tcp',
  name: 'Connection to a honeypot TCP port',
  severity: 3,
  category: ['intrusion_detection', 'network'],
  technique: 'T1046',
};
export const HONEYPOT_UDP_RULE: AlertRule = {
  id: 'honeypot.udp',
  name: 'Datagram to a honeypot UDP port',
  severity: 3,
  category: ['intrusion_detection', 'network'],
  technique: 'T1046',
};

/** A segment meant to be isolated that reaches the Internet is an open exfiltration path (T1048). */
export const EGRESS_RULE: AlertRule = {
  id: 'egress.internet_reachable',
  name: 'Isolated segment reaches the Internet',
  severity: 4,
  category: ['network', 'configuration'],
  technique: 'T1048',
};

/** Rule ids of agent alerts. */
export const AGENT_RULE_IDS: readonly string[] = Object.freeze([HONEYPOT_TCP_RULE.id, HONEYPOT_UDP_RULE.id, EGRESS_RULE.id]);
