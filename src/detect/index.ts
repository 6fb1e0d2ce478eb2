/**
 * The detector registry: every rule, imported explicitly (no filesystem
 * scanning, so a build contains exactly what this list says). Order is the
 * order handlers run for an event. `DETECTOR_OPTIONS` feeds the config
 * schema's `detectors:` section, one strict sub-object per rule id.
 */
import type { DetectorDefinition, OptionsSchema } from './detector.js';
import scanPortVertical, { OPTIONS as scanPortVerticalOptions } from './scan.port.vertical.js';
import scanPortHorizontal, { OPTIONS as scanPortHorizontalOptions } from './scan.port.horizontal.js';
import scanArp, { OPTIONS as scanArpOptions } from './scan.arp.js';
import smbInternet, { OPTIONS as smbInternetOptions } from './smb.internet.js';
import smtpDirect, { OPTIONS as smtpDirectOptions } from './smtp.direct_to_internet.js';
import smtpAttachment, { OPTIONS as smtpAttachmentOptions } from './smtp.executable_attachment.js';
import netTunnel, { OPTIONS as netTunnelOptions } from './net.tunnel.js';
import httpWebSocketTunnel, { OPTIONS as httpWebSocketTunnelOptions } from './http.websocket_tunnel.js';
import netProxyTunnel, { OPTIONS as netProxyTunnelOptions } from './net.proxy_tunnel.js';
import netExternalProxy, { OPTIONS as netExternalProxyOptions } from './net.external_proxy.js';
import dnsEncrypted, { OPTIONS as dnsEncryptedOptions } from './dns.encrypted.js';
import kerberosOverpassTheHash, { OPTIONS as kerberosOverpassTheHashOptions } from './kerberos.overpass_the_hash.js';
import scanPing, { OPTIONS as scanPingOptions } from './scan.ping.js';
import smbNamedPipe, { OPTIONS as smbNamedPipeOptions } from './smb.named_pipe.js';
import tlsUnusualClient, { OPTIONS as tlsUnusualClientOptions } from './tls.unusual_client.js';
import authBruteforce, { OPTIONS as authBruteforceOptions } from './auth.bruteforce.js';
import authSpray, { OPTIONS as authSprayOptions } from './auth.spray.js';
import authCleartext, { OPTIONS as authCleartextOptions } from './auth.cleartext.js';
import netInterSegment, { OPTIONS as netInterSegmentOptions } from './net.inter_segment.js';
import lateralW2W, { OPTIONS as lateralW2WOptions } from './lateral.workstation_to_workstation.js';
import lateralS2W, { OPTIONS as lateralS2WOptions } from './lateral.server_to_workstation.js';
import deviceNew, { OPTIONS as deviceNewOptions } from './device.new.js';
import dhcpRogueServer, { OPTIONS as dhcpRogueServerOptions } from './dhcp.rogue_server.js';
import namePoisoning, { OPTIONS as namePoisoningOptions } from './name.poisoning.js';
import dnsTunnel, { OPTIONS as dnsTunnelOptions } from './dns.tunnel.js';
import arpSpoofing, { OPTIONS as arpSpoofingOptions } from './arp.spoofing.js';
import icmpTunnel, { OPTIONS as icmpTunnelOptions } from './icmp.tunnel.js';
import ipv6RogueRouter, { OPTIONS as ipv6RogueRouterOptions } from './ipv6.rogue_router.js';
import smbAdminShare, { OPTIONS as smbAdminShareOptions } from './smb.admin_share.js';
import snmpDefaultCommunity, { OPTIONS as snmpDefaultCommunityOptions } from './snmp.default_community.js';
import redisExploitation, { OPTIONS as redisExploitationOptions } from './redis.exploitation.js';
import tftpExecutableDownload, { OPTIONS as tftpExecutableDownloadOptions } from './tftp.executable_download.js';
import ftpExecutableDownload, { OPTIONS as ftpExecutableDownloadOptions } from './ftp.executable_download.js';
import authAnonymousAccess, { OPTIONS as authAnonymousAccessOptions } from './auth.anonymous_access.js';
import mssqlCommandExec, { OPTIONS as mssqlCommandExecOptions } from './mssql.command_exec.js';
import ntlmRelay, { OPTIONS as ntlmRelayOptions } from './ntlm.relay.js';
import dhcpExcessiveRequests, { OPTIONS as dhcpExcessiveRequestsOptions } from './dhcp.excessive_requests.js';
import dhcpHostnameMacFlip, { OPTIONS as dhcpHostnameMacFlipOptions } from './dhcp.hostname_mac_flip.js';
import dhcpWatchHostname, { OPTIONS as dhcpWatchHostnameOptions } from './dhcp.watch_hostname.js';
import dnsExcessiveQueries, { OPTIONS as dnsExcessiveQueriesOptions } from './dns.excessive_queries.js';
import dnsExcessivePtrTxt, { OPTIONS as dnsExcessivePtrTxtOptions } from './dns.excessive_ptr_txt.js';
import ldapExcessiveQueries, { OPTIONS as ldapExcessiveQueriesOptions } from './ldap.excessive_queries.js';
import ldapReconQuery, { OPTIONS as ldapReconQueryOptions } from './ldap.recon_query.js';
import kerberosKerberoasting, { OPTIONS as kerberosKerberoastingOptions } from './kerberos.kerberoasting.js';
import kerberosAsrepRoasting, { OPTIONS as kerberosAsrepRoastingOptions } from './kerberos.asrep_roasting.js';
import dnsBadName, { OPTIONS as dnsBadNameOptions } from './dns.bad_name.js';
import netBadName, { OPTIONS as netBadNameOptions } from './net.bad_name.js';
import httpBadUrl, { OPTIONS as httpBadUrlOptions } from './http.bad_url.js';
import dnsBadIp, { OPTIONS as dnsBadIpOptions } from './dns.bad_ip.js';
import ipBad, { OPTIONS as ipBadOptions } from './ip.bad.js';
import torRelay, { OPTIONS as torRelayOptions } from './tor.relay.js';
import asnNotWhitelisted, { OPTIONS as asnNotWhitelistedOptions } from './asn.not_whitelisted.js';
import uaAttackTool, { OPTIONS as uaAttackToolOptions } from './ua.attack_tool.js';
import uaMalware, { OPTIONS as uaMalwareOptions } from './ua.malware.js';
import tlsBadFingerprint, { OPTIONS as tlsBadFingerprintOptions } from './tls.bad_fingerprint.js';
import tlsBadCertificate, { OPTIONS as tlsBadCertificateOptions } from './tls.bad_certificate.js';
import tlsHeartbleed, { OPTIONS as tlsHeartbleedOptions } from './tls.heartbleed.js';
import fileBadHash, { OPTIONS as fileBadHashOptions } from './file.bad_hash.js';
import sshBadFingerprint, { OPTIONS as sshBadFingerprintOptions } from './ssh.bad_fingerprint.js';
import uaUnusual, { OPTIONS as uaUnusualOptions } from './ua.unusual.js';
import dnsDga, { OPTIONS as dnsDgaOptions } from './dns.dga.js';
import c2Beacon, { OPTIONS as c2BeaconOptions } from './c2.beacon.js';
import connLong, { OPTIONS as connLongOptions } from './conn.long.js';
import cryptoMining, { OPTIONS as cryptoMiningOptions } from './crypto.mining.js';
import exfilLargeUpload, { OPTIONS as exfilLargeUploadOptions } from './exfil.large_upload.js';
import httpSqli, { OPTIONS as httpSqliOptions } from './http.sqli.js';
import httpExecutableDownload, { OPTIONS as httpExecutableDownloadOptions } from './http.executable_download.js';
import dcerpcRemoteService, { OPTIONS as dcerpcRemoteServiceOptions } from './dcerpc.remote_service.js';
import dcerpcRemoteTask, { OPTIONS as dcerpcRemoteTaskOptions } from './dcerpc.remote_task.js';
import dcerpcDcsync, { OPTIONS as dcerpcDcsyncOptions } from './dcerpc.dcsync.js';
import dcerpcRecon, { OPTIONS as dcerpcReconOptions } from './dcerpc.recon.js';
import dcerpcWmiExec, { OPTIONS as dcerpcWmiExecOptions } from './dcerpc.wmi_exec.js';
import dcerpcDcomExec, { OPTIONS as dcerpcDcomExecOptions } from './dcerpc.dcom_exec.js';
import dcerpcCoerce, { OPTIONS as dcerpcCoerceOptions } from './dcerpc.coerce.js';
import dcerpcPrinterDriver, { OPTIONS as dcerpcPrinterDriverOptions } from './dcerpc.printer_driver.js';
import dcerpcZerologon, { OPTIONS as dcerpcZerologonOptions } from './dcerpc.zerologon.js';

/** Option schemas by rule id (typed: the config's `detectors` section is inferred from it). */
export const DETECTOR_OPTIONS = {
  'scan.port.vertical': scanPortVerticalOptions,
  'scan.port.horizontal': scanPortHorizontalOptions,
  'scan.arp': scanArpOptions,
  'smb.internet': smbInternetOptions,
  'smtp.direct_to_internet': smtpDirectOptions,
  'smtp.executable_attachment': smtpAttachmentOptions,
  'net.tunnel': netTunnelOptions,
  'http.websocket_tunnel': httpWebSocketTunnelOptions,
  'net.proxy_tunnel': netProxyTunnelOptions,
  'net.external_proxy': netExternalProxyOptions,
  'dns.encrypted': dnsEncryptedOptions,
  'kerberos.overpass_the_hash': kerberosOverpassTheHashOptions,
  'scan.ping': scanPingOptions,
  'smb.named_pipe': smbNamedPipeOptions,
  'tls.unusual_client': tlsUnusualClientOptions,
  'auth.bruteforce': authBruteforceOptions,
  'auth.spray': authSprayOptions,
  'auth.cleartext': authCleartextOptions,
  'net.inter_segment': netInterSegmentOptions,
  'lateral.workstation_to_workstation': lateralW2WOptions,
  'lateral.server_to_workstation': lateralS2WOptions,
  'device.new': deviceNewOptions,
  'dhcp.rogue_server': dhcpRogueServerOptions,
  'name.poisoning': namePoisoningOptions,
  'dns.tunnel': dnsTunnelOptions,
  'arp.spoofing': arpSpoofingOptions,
  'icmp.tunnel': icmpTunnelOptions,
  'ipv6.rogue_router': ipv6RogueRouterOptions,
  'smb.admin_share': smbAdminShareOptions,
  'snmp.default_community': snmpDefaultCommunityOptions,
  'redis.exploitation': redisExploitationOptions,
  'tftp.executable_download': tftpExecutableDownloadOptions,
  'ftp.executable_download': ftpExecutableDownloadOptions,
  'auth.anonymous_access': authAnonymousAccessOptions,
  'mssql.command_exec': mssqlCommandExecOptions,
  'ntlm.relay': ntlmRelayOptions,
  'dhcp.excessive_requests': dhcpExcessiveRequestsOptions,
  'dhcp.hostname_mac_flip': dhcpHostnameMacFlipOptions,
  'dhcp.watch_hostname': dhcpWatchHostnameOptions,
  'dns.excessive_queries': dnsExcessiveQueriesOptions,
  'dns.excessive_ptr_txt': dnsExcessivePtrTxtOptions,
  'ldap.excessive_queries': ldapExcessiveQueriesOptions,
  'ldap.recon_query': ldapReconQueryOptions,
  'kerberos.kerberoasting': kerberosKerberoastingOptions,
  'kerberos.asrep_roasting': kerberosAsrepRoastingOptions,
  'dns.bad_name': dnsBadNameOptions,
  'net.bad_name': netBadNameOptions,
  'http.bad_url': httpBadUrlOptions,
  'dns.bad_ip': dnsBadIpOptions,
  'ip.bad': ipBadOptions,
  'tor.relay': torRelayOptions,
  'asn.not_whitelisted': asnNotWhitelistedOptions,
  'ua.attack_tool': uaAttackToolOptions,
  'ua.malware': uaMalwareOptions,
  'tls.bad_fingerprint': tlsBadFingerprintOptions,
  'tls.bad_certificate': tlsBadCertificateOptions,
  'tls.heartbleed': tlsHeartbleedOptions,
  'file.bad_hash': fileBadHashOptions,
  'ssh.bad_fingerprint': sshBadFingerprintOptions,
  'ua.unusual': uaUnusualOptions,
  'dns.dga': dnsDgaOptions,
  'c2.beacon': c2BeaconOptions,
  'conn.long': connLongOptions,
  'crypto.mining': cryptoMiningOptions,
  'exfil.large_upload': exfilLargeUploadOptions,
  'http.sqli': httpSqliOptions,
  'http.executable_download': httpExecutableDownloadOptions,
  'dcerpc.remote_service': dcerpcRemoteServiceOptions,
  'dcerpc.remote_task': dcerpcRemoteTaskOptions,
  'dcerpc.dcsync': dcerpcDcsyncOptions,
  'dcerpc.recon': dcerpcReconOptions,
  'dcerpc.wmi_exec': dcerpcWmiExecOptions,
  'dcerpc.dcom_exec': dcerpcDcomExecOptions,
  'dcerpc.coerce': dcerpcCoerceOptions,
  'dcerpc.printer_driver': dcerpcPrinterDriverOptions,
  'dcerpc.zerologon': dcerpcZerologonOptions,
} as const;

export type RuleId = keyof typeof DETECTOR_OPTIONS;

/** Every detector definition, in handler order. */
export const DETECTORS: readonly DetectorDefinition<OptionsSchema>[] = [
  scanPortVertical,
  scanPortHorizontal,
  scanArp,
  smbInternet,
  smtpDirect,
  smtpAttachment,
  netTunnel,
  httpWebSocketTunnel,
  netProxyTunnel,
  netExternalProxy,
  dnsEncrypted,
  kerberosOverpassTheHash,
  scanPing,
  smbNamedPipe,
  tlsUnusualClient,
  authBruteforce,
  authSpray,
  authCleartext,
  netInterSegment,
  lateralW2W,
  lateralS2W,
  deviceNew,
  dhcpRogueServer,
  namePoisoning,
  dnsTunnel,
  arpSpoofing,
  icmpTunnel,
  ipv6RogueRouter,
  smbAdminShare,
  snmpDefaultCommunity,
  redisExploitation,
  tftpExecutableDownload,
  ftpExecutableDownload,
  authAnonymousAccess,
  mssqlCommandExec,
  ntlmRelay,
  dhcpExcessiveRequests,
  dhcpHostnameMacFlip,
  dhcpWatchHostname,
  dnsExcessiveQueries,
  dnsExcessivePtrTxt,
  ldapExcessiveQueries,
  ldapReconQuery,
  kerberosKerberoasting,
  kerberosAsrepRoasting,
  dnsBadName,
  netBadName,
  httpBadUrl,
  dnsBadIp,
  ipBad,
  torRelay,
  asnNotWhitelisted,
  uaAttackTool,
  uaMalware,
  tlsBadFingerprint,
  tlsBadCertificate,
  tlsHeartbleed,
  fileBadHash,
  sshBadFingerprint,
  uaUnusual,
  dnsDga,
  c2Beacon,
  connLong,
  cryptoMining,
  exfilLargeUpload,
  httpSqli,
  httpExecutableDownload,
  dcerpcRemoteService,
  dcerpcRemoteTask,
  dcerpcDcsync,
  dcerpcRecon,
  dcerpcWmiExec,
  dcerpcDcomExec,
  dcerpcCoerce,
  dcerpcPrinterDriver,
  dcerpcZerologon,
] as unknown as readonly DetectorDefinition<OptionsSchema>[];

export const RULE_IDS: readonly string[] = Object.freeze(Object.keys(DETECTOR_OPTIONS));
