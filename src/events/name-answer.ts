/**
 * A local name-resolution responder answered for a name: an LLMNR response,
 * an NBNS positive name query response, or an mDNS response (announcements
 * included). Unlike `hostname` (which names an address once per flow), one
 * event per name per response, with who answered and to whom, so a rule can
 * tell a host answering for its own name from one answering for every name
 * asked (Responder, Inveigh: name-resolution poisoning).
 */
export interface NameAnswerEvent {
  type: 'name.answer';
  ts: number;
  uid: string;
  protocol: 'llmnr' | 'nbns' | 'mdns';
  /** The host that sent the answer. */
  responder: string;
  /** Where the answer went: the host that asked, or a multicast or broadcast group. */
  to: string;
  /** The name answered for, as sent: an NBNS name without its suffix, an mDNS name without ".local". */
  name: string;
  /** The addresses the answer gives for the name, in order. */
  addrs: string[];
}
