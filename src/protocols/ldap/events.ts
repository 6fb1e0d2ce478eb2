/** Events of the ldap analyzer (placeholder until the analyzer lands). */
export type LdapEvent = never;
