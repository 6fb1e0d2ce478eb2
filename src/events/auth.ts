/**
 * Authentication outcomes, one typed stream for every protocol that shows
 * them (SSH heuristic, FTP, Telnet, RDP, SMTP, IMAP, POP3, HTTP, LDAP,
 * SMB/NTLM, Kerberos, MySQL, PostgreSQL, SNMP, SIP, Redis, MQTT). The password guessing and
 * spraying detectors (auth.bruteforce, auth.spray) read it.
 */
export type AuthOutcome = 'success' | 'failure' | 'unknown';

export interface AuthEvent {
  type: 'auth';
  ts: number;
  uid: string;
  /** Service name as logged, e.g. "ssh", "ftp", "ldap", "smb", "kerberos", "rdp", "http". */
  service: string;
  client: string;
  client_port: number;
  server: string;
  server_port: number;
  /** Transport of the connection (Kerberos and LDAP also run over UDP). */
  transport: 'tcp' | 'udp' | 'icmp';
  /** User name when the protocol shows it in clear. */
  user?: string;
  /**
   * The password crossed the network readable: FTP PASS, Telnet, HTTP Basic,
   * an HTTP login form, JSON sign-in body or URI query with a password field,
   * POP3 PASS, IMAP LOGIN, SASL PLAIN or LOGIN (IMAP, POP3, SMTP), an LDAP
   * simple bind with a password, PostgreSQL's cleartext password method,
   * Redis AUTH, an MQTT CONNECT with a password.
   */
  cleartext?: true;
  /**
   * A keyed digest of the password sent (HTTP login forms, whose replies
   * seldom tell success from failure): equal when one password is sent
   * again, so guessing many passwords is told apart. The key is random per
   * process; neither it nor the digest is stored or logged.
   */
  secret_tag?: number;
  /** The workstation name an NTLM sign-in gave (HTTP NTLM/Negotiate; SMB, RPC and LDAP carry it in ntlm events). */
  workstation?: string;
  outcome: AuthOutcome;
  /**
   * The server refused because the account does not exist (Kerberos
   * C_PRINCIPAL_UNKNOWN, a SIP REGISTER answered 404): no password was checked, so repeats of one name are
   * not guesses; distinct names are account enumeration.
   */
  unknown_user?: true;
  /**
   * The server let the client in without any password or other secret: a
   * SQL Server login with an empty password, a PostgreSQL server answering
   * AuthenticationOk without asking for one (trust).
   */
  no_password?: true;
  /**
   * Failed guesses this failure stands for when the protocol showed several
   * in one connection (SSH's size heuristic: hydra, medusa and ncrack try up
   * to the server's MaxAuthTries passwords per connection); absent means one.
   */
  attempts?: number;
  /** Protocol detail behind the outcome, e.g. "530 Login incorrect", "KDC_ERR_PREAUTH_FAILED". */
  detail?: string;
}
