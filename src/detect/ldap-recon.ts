/**
 * LDAP searches of Active Directory reconnaissance, by what their filter
 * (RFC 4515 text, lower-cased) or requested attributes ask for: the
 * filters of Impacket's GetUserSPNs, GetNPUsers and findDelegation,
 * PowerView, BloodHound/SharpHound, Certify/Certipy and LAPS dumpers.
 * `targeted` marks searches that only reconnaissance (or an audit tool)
 * makes: ldap.recon_query alerts on one. The others (all users, all
 * people, group policies) are what every logon and management tool also
 * asks; ldap.excessive_queries lists them as evidence.
 */

export interface ReconMarker {
  /** What the search looks for, as an alert says it. */
  what: string;
  /** Matches the lower-cased filter text. */
  filter?: RegExp;
  /** Matches a requested attribute, lower-cased. */
  attribute?: RegExp;
  targeted: boolean;
}

/** userAccountControl bit tests (LDAP_MATCHING_RULE_BIT_AND / BIT_OR) for flag value `v`. */
function uacBit(v: number): RegExp {
  return new RegExp(`useraccountcontrol:1\\.2\\.840\\.113556\\.1\\.4\\.80[34]:=${v}\\)`);
}

export const RECON_MARKERS: readonly ReconMarker[] = [
  { what: 'service accounts (Kerberoasting)', filter: /serviceprincipalname=\*/, targeted: true },
  { what: 'accounts without Kerberos pre-authentication (AS-REP roasting)', filter: uacBit(4194304), targeted: true },
  { what: 'unconstrained delegation', filter: uacBit(524288), targeted: true },
  { what: 'constrained delegation', filter: /msds-allowedtodelegateto=\*|useraccountcontrol:1\.2\.840\.113556\.1\.4\.80[34]:=16777216\)/, targeted: true },
  { what: 'resource-based constrained delegation', filter: /msds-allowedtoactonbehalfofotheridentity=\*/, targeted: true },
  { what: 'accounts that need no password', filter: uacBit(32), targeted: true },
  { what: 'privileged accounts (adminCount)', filter: /admincount=1\b/, targeted: true },
  { what: 'domain trusts', filter: /objectclass=trusteddomain\b/, targeted: true },
  { what: 'LAPS passwords', filter: /ms-mcs-admpwd=\*|mslaps-(encrypted)?password=\*/, attribute: /^(ms-mcs-admpwd|mslaps-password|mslaps-encryptedpassword)$/, targeted: true },
  { what: 'AD CS certificate templates and authorities', filter: /objectclass=(pkicertificatetemplate|pkienrollmentservice|certificationauthority)\b/, targeted: true },
  { what: 'all user accounts', filter: /samaccounttype=805306368\b/, targeted: false },
  { what: 'all people', filter: /objectcategory=person\b/, targeted: false },
  { what: 'group policies', filter: /objectclass=grouppolicycontainer\b/, targeted: false },
];

/** A negated simple item, "(!(attr=value))": what a search leaves out is not what it looks for. */
const NEGATED_ITEM = /\(!\([^()]*\)\)/g;

/** The markers a search matches (lower-casing its filter and attributes once). */
export function reconMarkersOf(filter: string, attributes: readonly string[] = []): ReconMarker[] {
  const f = filter.toLowerCase().replace(NEGATED_ITEM, '');
  let attrs: string[] | undefined;
  const out: ReconMarker[] = [];
  for (const m of RECON_MARKERS) {
    if (m.filter !== undefined && m.filter.test(f)) {
      out.push(m);
      continue;
    }
    if (m.attribute !== undefined && attributes.length > 0) {
      attrs ??= attributes.map((a) => a.toLowerCase());
      if (attrs.some((a) => m.attribute!.test(a))) out.push(m);
    }
  }
  return out;
}
