/** How the analyzer names of protocols found inside tunnels read in alert messages. */

const PROTOCOL_TEXT: Readonly<Record<string, string>> = {
  ssh: 'SSH',
  rdp: 'RDP',
  smb: 'SMB',
  ssl: 'TLS',
  http: 'HTTP',
  rfb: 'VNC',
  telnet: 'Telnet',
  ldap: 'LDAP',
  ldap_tcp: 'LDAP',
  krb: 'Kerberos',
  krb_tcp: 'Kerberos',
  dce_rpc: 'DCE/RPC',
  mysql: 'MySQL',
  postgresql: 'PostgreSQL',
  smtp: 'SMTP',
  imap: 'IMAP',
  pop3: 'POP3',
  ftp: 'FTP',
  dns: 'DNS',
  stratum: 'Stratum (mining)',
};

/** `protocol` (an analyzer's name) as a message names it. */
export function protocolText(protocol: string): string {
  return PROTOCOL_TEXT[protocol] ?? protocol;
}
