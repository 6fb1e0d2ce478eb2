/**
 * Well-known RPC interfaces: UUID -> endpoint name and opnum -> operation
 * name, from Microsoft's open specifications (MS-RPCE, MS-SRVS, MS-WKST,
 * MS-SAMR, MS-LSAT/MS-LSAD, MS-NRPC, MS-SCMR, MS-TSCH, MS-RRP, MS-DRSR,
 * MS-RPRN, MS-EVEN, MS-DCOM, MS-OAUT, MS-WMI, MS-DSSP, MS-DNSP, MS-EFSR) and C706
 * for the endpoint mapper. Endpoint names are the short names Zeek's
 * dce_rpc.log uses (the pipe or IDL name); operation names follow the
 * specifications, without the "R" prefix of MS-SCMR's and the "Netr" of
 * none. An unknown interface is named by its UUID text, an unknown opnum
 * by its number, as Zeek does.
 *
 * Operations left out are the ones no detection or triage needs; their
 * numbers still appear.
 */

/** One interface: its name and the names of its operations by opnum ('' where not named). */
interface InterfaceInfo {
  readonly name: string;
  readonly ops: readonly string[];
}

const EPMAPPER: InterfaceInfo = {
  name: 'epmapper',
  ops: ['ept_insert', 'ept_delete', 'ept_lookup', 'ept_map', 'ept_lookup_handle_free', 'ept_inq_object', 'ept_mgmt_delete'],
};

/** [MS-SRVS] 3.1.4: opnums 0-7 are not used on the wire. */
const SRVSVC: InterfaceInfo = {
  name: 'srvsvc',
  ops: [
    '', '', '', '', '', '', '', '',
    'NetrConnectionEnum', 'NetrFileEnum', 'NetrFileGetInfo', 'NetrFileClose', 'NetrSessionEnum', 'NetrSessionDel',
    'NetrShareAdd', 'NetrShareEnum', 'NetrShareGetInfo', 'NetrShareSetInfo', 'NetrShareDel', 'NetrShareDelSticky',
    'NetrShareCheck', 'NetrServerGetInfo', 'NetrServerSetInfo', 'NetrServerDiskEnum', 'NetrServerStatisticsGet',
    'NetrServerTransportAdd', 'NetrServerTransportEnum', 'NetrServerTransportDel', 'NetrRemoteTOD', '',
    'NetprPathType', 'NetprPathCanonicalize', 'NetprPathCompare', 'NetprNameValidate', 'NetprNameCanonicalize',
    'NetprNameCompare', 'NetrShareEnumSticky', 'NetrShareDelStart', 'NetrShareDelCommit', 'NetrpGetFileSecurity',
    'NetrpSetFileSecurity', 'NetrServerTransportAddEx',
  ],
};

/** [MS-WKST] 3.2.4. */
const WKSSVC: InterfaceInfo = {
  name: 'wkssvc',
  ops: [
    'NetrWkstaGetInfo', 'NetrWkstaSetInfo', 'NetrWkstaUserEnum', '', '', 'NetrWkstaTransportEnum',
    'NetrWkstaTransportAdd', 'NetrWkstaTransportDel', 'NetrUseAdd', 'NetrUseGetInfo', 'NetrUseDel', 'NetrUseEnum', '',
    'NetrWorkstationStatisticsGet', '', '', '', '', '', '', 'NetrGetJoinInformation', '', 'NetrJoinDomain2',
    'NetrUnjoinDomain2', 'NetrRenameMachineInDomain2', 'NetrValidateName2', 'NetrGetJoinableOUs2',
    'NetrAddAlternateComputerName', 'NetrRemoveAlternateComputerName', 'NetrSetPrimaryComputerName',
    'NetrEnumerateComputerNames',
  ],
};

/** [MS-SAMR] 3.1.5. */
const SAMR: InterfaceInfo = {
  name: 'samr',
  ops: [
    'SamrConnect', 'SamrCloseHandle', 'SamrSetSecurityObject', 'SamrQuerySecurityObject', '',
    'SamrLookupDomainInSamServer', 'SamrEnumerateDomainsInSamServer', 'SamrOpenDomain', 'SamrQueryInformationDomain',
    'SamrSetInformationDomain', 'SamrCreateGroupInDomain', 'SamrEnumerateGroupsInDomain', 'SamrCreateUserInDomain',
    'SamrEnumerateUsersInDomain', 'SamrCreateAliasInDomain', 'SamrEnumerateAliasesInDomain', 'SamrGetAliasMembership',
    'SamrLookupNamesInDomain', 'SamrLookupIdsInDomain', 'SamrOpenGroup', 'SamrQueryInformationGroup',
    'SamrSetInformationGroup', 'SamrAddMemberToGroup', 'SamrDeleteGroup', 'SamrRemoveMemberFromGroup',
    'SamrGetMembersInGroup', 'SamrSetMemberAttributesOfGroup', 'SamrOpenAlias', 'SamrQueryInformationAlias',
    'SamrSetInformationAlias', 'SamrDeleteAlias', 'SamrAddMemberToAlias', 'SamrRemoveMemberFromAlias',
    'SamrGetMembersInAlias', 'SamrOpenUser', 'SamrDeleteUser', 'SamrQueryInformationUser', 'SamrSetInformationUser',
    'SamrChangePasswordUser', 'SamrGetGroupsForUser', 'SamrQueryDisplayInformation',
    'SamrGetDisplayEnumerationIndex', '', '', 'SamrGetUserDomainPasswordInformation',
    'SamrRemoveMemberFromForeignDomain', 'SamrQueryInformationDomain2', 'SamrQueryInformationUser2',
    'SamrQueryDisplayInformation2', 'SamrGetDisplayEnumerationIndex2', 'SamrCreateUser2InDomain',
    'SamrQueryDisplayInformation3', 'SamrAddMultipleMembersToAlias', 'SamrRemoveMultipleMembersFromAlias',
    'SamrOemChangePasswordUser2', 'SamrUnicodeChangePasswordUser2', 'SamrGetDomainPasswordInformation',
    'SamrConnect2', 'SamrSetInformationUser2', '', '', '', 'SamrConnect4', '', 'SamrConnect5', 'SamrRidToSid',
    'SamrSetDSRMPassword', 'SamrValidatePassword',
  ],
};

/** [MS-LSAD] 3.1.4 and [MS-LSAT] 3.1.4 share the lsarpc interface. */
const LSARPC: InterfaceInfo = {
  name: 'lsarpc',
  ops: [
    'LsarClose', '', 'LsarEnumeratePrivileges', 'LsarQuerySecurityObject', 'LsarSetSecurityObject', '',
    'LsarOpenPolicy', 'LsarQueryInformationPolicy', 'LsarSetInformationPolicy', '', 'LsarCreateAccount',
    'LsarEnumerateAccounts', 'LsarCreateTrustedDomain', 'LsarEnumerateTrustedDomains', 'LsarLookupNames',
    'LsarLookupSids', 'LsarCreateSecret', 'LsarOpenAccount', 'LsarEnumeratePrivilegesAccount',
    'LsarAddPrivilegesToAccount', 'LsarRemovePrivilegesFromAccount', '', '', 'LsarGetSystemAccessAccount',
    'LsarSetSystemAccessAccount', 'LsarOpenTrustedDomain', 'LsarQueryInfoTrustedDomain',
    'LsarSetInformationTrustedDomain', 'LsarOpenSecret', 'LsarSetSecret', 'LsarQuerySecret',
    'LsarLookupPrivilegeValue', 'LsarLookupPrivilegeName', 'LsarLookupPrivilegeDisplayName', 'LsarDeleteObject',
    'LsarEnumerateAccountsWithUserRight', 'LsarEnumerateAccountRights', 'LsarAddAccountRights',
    'LsarRemoveAccountRights', 'LsarQueryTrustedDomainInfo', 'LsarSetTrustedDomainInfo', 'LsarDeleteTrustedDomain',
    'LsarStorePrivateData', 'LsarRetrievePrivateData', 'LsarOpenPolicy2', 'LsarGetUserName',
    'LsarQueryInformationPolicy2', 'LsarSetInformationPolicy2', 'LsarQueryTrustedDomainInfoByName',
    'LsarSetTrustedDomainInfoByName', 'LsarEnumerateTrustedDomainsEx', 'LsarCreateTrustedDomainEx', '',
    'LsarQueryDomainInformationPolicy', 'LsarSetDomainInformationPolicy', 'LsarOpenTrustedDomainByName', '',
    'LsarLookupSids2', 'LsarLookupNames2', 'LsarCreateTrustedDomainEx2', '', '', '', '', '', '', '', '',
    'LsarLookupNames3', '', '', '', '', 'LsarQueryForestTrustInformation', 'LsarSetForestTrustInformation', '',
    'LsarLookupSids3', 'LsarLookupNames4',
  ],
};

/** [MS-NRPC] 3.5.4. */
const NETLOGON: InterfaceInfo = {
  name: 'netlogon',
  ops: [
    'NetrLogonUasLogon', 'NetrLogonUasLogoff', 'NetrLogonSamLogon', 'NetrLogonSamLogoff', 'NetrServerReqChallenge',
    'NetrServerAuthenticate', 'NetrServerPasswordSet', 'NetrDatabaseDeltas', 'NetrDatabaseSync', 'NetrAccountDeltas',
    'NetrAccountSync', 'NetrGetDCName', 'NetrLogonControl', 'NetrGetAnyDCName', 'NetrLogonControl2',
    'NetrServerAuthenticate2', 'NetrDatabaseSync2', 'NetrDatabaseRedo', 'NetrLogonControl2Ex',
    'NetrEnumerateTrustedDomains', 'DsrGetDcName', 'NetrLogonGetCapabilities', 'NetrLogonSetServiceBits',
    'NetrLogonGetTrustRid', 'NetrLogonComputeServerDigest', 'NetrLogonComputeClientDigest', 'NetrServerAuthenticate3',
    'DsrGetDcNameEx', 'DsrGetSiteName', 'NetrLogonGetDomainInfo', 'NetrServerPasswordSet2', 'NetrServerPasswordGet',
    'NetrLogonSendToSam', 'DsrAddressToSiteNamesW', 'DsrGetDcNameEx2', 'NetrLogonGetTimeServiceParentDomain',
    'NetrEnumerateTrustedDomainsEx', 'DsrAddressToSiteNamesExW', 'DsrGetDcSiteCoverageW', 'NetrLogonSamLogonEx',
    'DsrEnumerateDomainTrusts', 'DsrDeregisterDnsHostRecords', 'NetrServerTrustPasswordsGet',
    'DsrGetForestTrustInformation', 'NetrGetForestTrustInformation', 'NetrLogonSamLogonWithFlags',
    'NetrServerGetTrustInfo',
  ],
};

/** [MS-SCMR] 3.1.4, named without the R prefix (as Zeek names them). */
const SVCCTL: InterfaceInfo = {
  name: 'svcctl',
  ops: [
    'CloseServiceHandle', 'ControlService', 'DeleteService', 'LockServiceDatabase', 'QueryServiceObjectSecurity',
    'SetServiceObjectSecurity', 'QueryServiceStatus', 'SetServiceStatus', 'UnlockServiceDatabase',
    'NotifyBootConfigStatus', '', 'ChangeServiceConfigW', 'CreateServiceW', 'EnumDependentServicesW',
    'EnumServicesStatusW', 'OpenSCManagerW', 'OpenServiceW', 'QueryServiceConfigW', 'QueryServiceLockStatusW',
    'StartServiceW', 'GetServiceDisplayNameW', 'GetServiceKeyNameW', '', 'ChangeServiceConfigA', 'CreateServiceA',
    'EnumDependentServicesA', 'EnumServicesStatusA', 'OpenSCManagerA', 'OpenServiceA', 'QueryServiceConfigA',
    'QueryServiceLockStatusA', 'StartServiceA', 'GetServiceDisplayNameA', 'GetServiceKeyNameA', '',
    'EnumServiceGroupW', 'ChangeServiceConfig2A', 'ChangeServiceConfig2W', 'QueryServiceConfig2A',
    'QueryServiceConfig2W', 'QueryServiceStatusEx', 'EnumServicesStatusExA', 'EnumServicesStatusExW', '',
    'CreateServiceWOW64A', 'CreateServiceWOW64W', '', 'NotifyServiceStatusChange', 'GetNotifyResults',
    'CloseNotifyHandle', 'ControlServiceExA', 'ControlServiceExW', '', '', '', 'QueryServiceConfigEx',
  ],
};

/** [MS-TSCH] 3.2.5.2: the AT service. */
const ATSVC: InterfaceInfo = { name: 'atsvc', ops: ['NetrJobAdd', 'NetrJobDel', 'NetrJobEnum', 'NetrJobGetInfo'] };

/** [MS-TSCH] 3.2.5.3: the Task Scheduler 1.0 account interface. */
const SASEC: InterfaceInfo = {
  name: 'sasec',
  ops: ['SASetAccountInformation', 'SASetNSAccountInformation', 'SAGetNSAccountInformation', 'SAGetAccountInformation'],
};

/** [MS-TSCH] 3.2.5.4: Task Scheduler 2.0. */
const TASK_SCHEDULER: InterfaceInfo = {
  name: 'ITaskSchedulerService',
  ops: [
    'SchRpcHighestVersion', 'SchRpcRegisterTask', 'SchRpcRetrieveTask', 'SchRpcCreateFolder', 'SchRpcSetSecurity',
    'SchRpcGetSecurity', 'SchRpcEnumFolders', 'SchRpcEnumTasks', 'SchRpcEnumInstances', 'SchRpcGetInstanceInfo',
    'SchRpcStopInstance', 'SchRpcStop', 'SchRpcRun', 'SchRpcDelete', 'SchRpcRename', 'SchRpcScheduledRuntimes',
    'SchRpcGetLastRunInfo', 'SchRpcGetTaskInfo', 'SchRpcGetNumberOfMissedRuns', 'SchRpcEnableTask',
  ],
};

/** [MS-RRP] 3.1.5. */
const WINREG: InterfaceInfo = {
  name: 'winreg',
  ops: [
    'OpenClassesRoot', 'OpenCurrentUser', 'OpenLocalMachine', 'OpenPerformanceData', 'OpenUsers', 'BaseRegCloseKey',
    'BaseRegCreateKey', 'BaseRegDeleteKey', 'BaseRegDeleteValue', 'BaseRegEnumKey', 'BaseRegEnumValue',
    'BaseRegFlushKey', 'BaseRegGetKeySecurity', 'BaseRegLoadKey', '', 'BaseRegOpenKey', 'BaseRegQueryInfoKey',
    'BaseRegQueryValue', 'BaseRegReplaceKey', 'BaseRegRestoreKey', 'BaseRegSaveKey', 'BaseRegSetKeySecurity',
    'BaseRegSetValue', 'BaseRegUnLoadKey', 'BaseInitiateSystemShutdown', 'BaseAbortSystemShutdown',
    'BaseRegGetVersion', 'OpenCurrentConfig', '', 'BaseRegQueryMultipleValues', 'BaseInitiateSystemShutdownEx',
    'BaseRegSaveKeyEx', 'OpenPerformanceText', 'OpenPerformanceNlsText', 'BaseRegQueryMultipleValues2',
    'BaseRegDeleteKeyEx',
  ],
};

/** [MS-DRSR] 4.1: directory replication (DCSync is DRSGetNCChanges from a non-DC). */
const DRSUAPI: InterfaceInfo = {
  name: 'drsuapi',
  ops: [
    'DRSBind', 'DRSUnbind', 'DRSReplicaSync', 'DRSGetNCChanges', 'DRSUpdateRefs', 'DRSReplicaAdd', 'DRSReplicaDel',
    'DRSReplicaModify', 'DRSVerifyNames', 'DRSGetMemberships', 'DRSInterDomainMove', 'DRSGetNT4ChangeLog',
    'DRSCrackNames', 'DRSWriteSPN', 'DRSRemoveDsServer', 'DRSRemoveDsDomain', 'DRSDomainControllerInfo',
    'DRSAddEntry', 'DRSExecuteKCC', 'DRSGetReplInfo', 'DRSAddSidHistory', 'DRSGetMemberships2',
    'DRSReplicaVerifyObjects', 'DRSGetObjectExistence', 'DRSQuerySitesByCost', 'DRSInitDemotion',
    'DRSReplicaDemotion', 'DRSFinishDemotion', 'DRSAddCloneDC', 'DRSWriteNgcKey', 'DRSReadNgcKey',
  ],
};

/** [MS-RPRN] 3.1.4 (opnum 69 is what Zeek calls RpcSplOpenPrinter). */
const SPOOLSS: InterfaceInfo = {
  name: 'spoolss',
  ops: [
    'RpcEnumPrinters', 'RpcOpenPrinter', 'RpcSetJob', 'RpcGetJob', 'RpcEnumJobs', 'RpcAddPrinter', 'RpcDeletePrinter',
    'RpcSetPrinter', 'RpcGetPrinter', 'RpcAddPrinterDriver', 'RpcEnumPrinterDrivers', 'RpcGetPrinterDriver',
    'RpcGetPrinterDriverDirectory', 'RpcDeletePrinterDriver', 'RpcAddPrintProcessor', 'RpcEnumPrintProcessors',
    'RpcGetPrintProcessorDirectory', 'RpcStartDocPrinter', 'RpcStartPagePrinter', 'RpcWritePrinter',
    'RpcEndPagePrinter', 'RpcAbortPrinter', 'RpcReadPrinter', 'RpcEndDocPrinter', 'RpcAddJob', 'RpcScheduleJob',
    'RpcGetPrinterData', 'RpcSetPrinterData', 'RpcWaitForPrinterChange', 'RpcClosePrinter', 'RpcAddForm',
    'RpcDeleteForm', 'RpcGetForm', 'RpcSetForm', 'RpcEnumForms', 'RpcEnumPorts', 'RpcEnumMonitors', '', '',
    'RpcDeletePort', 'RpcCreatePrinterIC', 'RpcPlayGdiScriptOnPrinterIC', 'RpcDeletePrinterIC', '', '', '',
    'RpcAddMonitor', 'RpcDeleteMonitor', 'RpcDeletePrintProcessor', '', '', 'RpcEnumPrintProcessorDatatypes',
    'RpcResetPrinter', 'RpcGetPrinterDriver2', '', '', 'RpcFindClosePrinterChangeNotification', '',
    'RpcReplyOpenPrinter', 'RpcRouterReplyPrinter', 'RpcReplyClosePrinter', 'RpcAddPortEx',
    'RpcRemoteFindFirstPrinterChangeNotification', '', '', 'RpcRemoteFindFirstPrinterChangeNotificationEx',
    'RpcRouterReplyPrinterEx', 'RpcRouterRefreshPrinterChangeNotification', '', 'RpcOpenPrinterEx',
    'RpcAddPrinterEx', 'RpcSetPort', 'RpcEnumPrinterData', 'RpcDeletePrinterData', '', '', '',
    'RpcSetPrinterDataEx', 'RpcGetPrinterDataEx', 'RpcEnumPrinterDataEx', 'RpcEnumPrinterKey',
    'RpcDeletePrinterDataEx', 'RpcDeletePrinterKey', '', 'RpcDeletePrinterDriverEx', 'RpcAddPerMachineConnection',
    'RpcDeletePerMachineConnection', 'RpcEnumPerMachineConnections', 'RpcXcvData', 'RpcAddPrinterDriverEx',
  ],
};

/** [MS-EVEN] 3.1.4: ElfrClearELFW clears a log. */
const EVENTLOG: InterfaceInfo = {
  name: 'eventlog',
  ops: [
    'ElfrClearELFW', 'ElfrBackupELFW', 'ElfrCloseEL', 'ElfrDeregisterEventSource', 'ElfrNumberOfRecords',
    'ElfrOldestRecord', 'ElfrChangeNotify', 'ElfrOpenELW', 'ElfrRegisterEventSourceW', 'ElfrOpenBELW', 'ElfrReadELW',
    'ElfrReportEventW', 'ElfrClearELFA', 'ElfrBackupELFA', 'ElfrOpenELA', 'ElfrRegisterEventSourceA', 'ElfrOpenBELA',
    'ElfrReadELA', 'ElfrReportEventA', '', '', '', 'ElfrGetLogInformation', '', 'ElfrReportEventAndSourceW',
    'ElfrReportEventExW', 'ElfrReportEventExA',
  ],
};

/** [MS-DCOM] 3.1.2.5.2: opnums 0-2 are IUnknown's. */
const REMOTE_SCM_ACTIVATOR: InterfaceInfo = {
  name: 'IRemoteSCMActivator',
  ops: ['', '', '', 'RemoteGetClassObject', 'RemoteCreateInstance'],
};
/** [MS-DCOM] 3.1.2.5.1. */
const OBJECT_EXPORTER: InterfaceInfo = {
  name: 'IObjectExporter',
  ops: ['ResolveOxid', 'SimplePing', 'ComplexPing', 'ServerAlive', 'ResolveOxid2', 'ServerAlive2'],
};
const ACTIVATION: InterfaceInfo = { name: 'IActivation', ops: ['RemoteActivation'] };
/** [MS-DCOM] 3.1.1.5.6: reference counting and interface queries on an object exporter's objects. */
const REM_UNKNOWN_OPS = ['', '', '', 'RemQueryInterface', 'RemAddRef', 'RemRelease', 'RemQueryInterface2'];
/** [MS-OAUT] 3.1.4: late-bound calls on automation objects (Invoke runs a method or reads/writes a property). */
const DISPATCH: InterfaceInfo = { name: 'IDispatch', ops: ['', '', '', 'GetTypeInfoCount', 'GetTypeInfo', 'GetIDsOfNames', 'Invoke'] };
/** [MS-WMI] 3.1.4.1. */
const WBEM_LEVEL1_LOGIN: InterfaceInfo = {
  name: 'IWbemLevel1Login',
  ops: ['', '', '', 'EstablishPosition', 'RequestChallenge', 'WBEMLogin', 'NTLMLogin'],
};
/** [MS-WMI] 3.1.4.3: ExecMethod runs a method (Win32_Process.Create for remote execution). */
const WBEM_SERVICES: InterfaceInfo = {
  name: 'IWbemServices',
  ops: [
    '', '', '', 'OpenNamespace', 'CancelAsyncCall', 'QueryObjectSink', 'GetObject', 'GetObjectAsync', 'PutClass',
    'PutClassAsync', 'DeleteClass', 'DeleteClassAsync', 'CreateClassEnum', 'CreateClassEnumAsync', 'PutInstance',
    'PutInstanceAsync', 'DeleteInstance', 'DeleteInstanceAsync', 'CreateInstanceEnum', 'CreateInstanceEnumAsync',
    'ExecQuery', 'ExecQueryAsync', 'ExecNotificationQuery', 'ExecNotificationQueryAsync', 'ExecMethod',
    'ExecMethodAsync',
  ],
};
/** [MS-WMI] 3.1.4.4: the results of a query. */
const ENUM_WBEM_CLASS_OBJECT: InterfaceInfo = { name: 'IEnumWbemClassObject', ops: ['', '', '', 'Reset', 'Next', 'NextAsync', 'Clone', 'Skip'] };
/** [MS-DSSP] 3.2.5. */
const DSSETUP: InterfaceInfo = { name: 'dssetup', ops: ['DsRolerGetPrimaryDomainInformation'] };
/** [MS-DNSP] 3.1.4. */
const DNSSERVER: InterfaceInfo = {
  name: 'dnsserver',
  ops: [
    'R_DnssrvOperation', 'R_DnssrvQuery', 'R_DnssrvComplexOperation', 'R_DnssrvEnumRecords', 'R_DnssrvUpdateRecord',
    'R_DnssrvOperation2', 'R_DnssrvQuery2', 'R_DnssrvComplexOperation2', 'R_DnssrvEnumRecords2',
    'R_DnssrvUpdateRecord2',
  ],
};
/** [MS-EFSR] 3.1.4.2 (coercion tools call EfsRpcOpenFileRaw and friends). */
const EFSRPC_OPS = [
  'EfsRpcOpenFileRaw', 'EfsRpcReadFileRaw', 'EfsRpcWriteFileRaw', 'EfsRpcCloseRaw', 'EfsRpcEncryptFileSrv',
  'EfsRpcDecryptFileSrv', 'EfsRpcQueryUsersOnFile', 'EfsRpcQueryRecoveryAgents', 'EfsRpcRemoveUsersFromFile',
  'EfsRpcAddUsersToFile', '', 'EfsRpcNotSupported', 'EfsRpcFileKeyInfo', 'EfsRpcDuplicateEncryptionInfoFile', '',
  'EfsRpcAddUsersToFileEx', 'EfsRpcFileKeyInfoEx', '', 'EfsRpcGetEncryptedFileMetadata', 'EfsRpcSetEncryptedFileMetadata',
  'EfsRpcFlushEfsCache', 'EfsRpcEncryptFileExSrv', 'EfsRpcQueryProtectors',
];
/** [MS-PAR] 3.1.4: the asynchronous print interface; only the driver installation PrintNightmare variants call is named. */
const REMOTE_WINSPOOL: InterfaceInfo = { name: 'IRemoteWinspool', ops: [...(new Array<string>(39).fill('')), 'RpcAsyncAddPrinterDriver'] };
/** [MS-DFSNM] 3.1.4: the stand-alone root calls DFSCoerce makes; the others keep their opnums. */
const NETDFS: InterfaceInfo = {
  name: 'netdfs',
  ops: ['NetrDfsManagerGetVersion', '', '', '', '', '', '', '', '', '', '', '', 'NetrDfsAddStdRoot', 'NetrDfsRemoveStdRoot'],
};
/** [MS-FSRVP] 3.1.4: the file server VSS agent (ShadowCoerce calls IsPathSupported and IsPathShadowCopied). */
const FSRVP: InterfaceInfo = {
  name: 'FileServerVssAgent',
  ops: [
    'GetSupportedVersion', 'SetContext', 'StartShadowCopySet', 'AddToShadowCopySet', 'CommitShadowCopySet',
    'ExposeShadowCopySet', 'RecoveryCompleteShadowCopySet', 'AbortShadowCopySet', 'IsPathSupported',
    'IsPathShadowCopied', 'GetShareMapping', 'DeleteShareMapping', 'PrepareShadowCopySet',
  ],
};
/** C706 appendix Q: the management interface every server has. */
const MGMT: InterfaceInfo = {
  name: 'mgmt',
  ops: ['inq_if_ids', 'inq_stats', 'is_server_listening', 'stop_server_listening', 'inq_princ_name'],
};

const INTERFACES: ReadonlyMap<string, InterfaceInfo> = new Map<string, InterfaceInfo>([
  ['e1af8308-5d1f-11c9-91a4-08002b14a0fa', EPMAPPER],
  ['afa8bd80-7d8a-11c9-bef4-08002b102989', MGMT],
  ['4b324fc8-1670-01d3-1278-5a47bf6ee188', SRVSVC],
  ['6bffd098-a112-3610-9833-46c3f87e345a', WKSSVC],
  ['12345778-1234-abcd-ef00-0123456789ac', SAMR],
  ['12345778-1234-abcd-ef00-0123456789ab', LSARPC],
  ['3919286a-b10c-11d0-9ba8-00c04fd92ef5', DSSETUP],
  ['12345678-1234-abcd-ef00-01234567cffb', NETLOGON],
  ['367abb81-9844-35f1-ad32-98f038001003', SVCCTL],
  ['1ff70682-0a51-30e8-076d-740be8cee98b', ATSVC],
  ['378e52b0-c0a9-11cf-822d-00aa0051e40f', SASEC],
  ['86d35949-83c9-4044-b424-db363231fd0c', TASK_SCHEDULER],
  ['338cd001-2244-31f1-aaaa-900038001003', WINREG],
  ['e3514235-4b06-11d1-ab04-00c04fc2dcd2', DRSUAPI],
  ['12345678-1234-abcd-ef00-0123456789ab', SPOOLSS],
  ['76f03f96-cdfd-44fc-a22c-64950a001209', REMOTE_WINSPOOL],
  ['82273fdc-e32a-18c3-3f78-827929dc23ea', EVENTLOG],
  ['f6beaff7-1e19-4fbb-9f8f-b89e2018337c', { name: 'IEventService', ops: [] }],
  ['000001a0-0000-0000-c000-000000000046', REMOTE_SCM_ACTIVATOR],
  ['99fcfec4-5260-101b-bbcb-00aa0021347a', OBJECT_EXPORTER],
  ['4d9f4ab8-7d1c-11cf-861e-0020af6e7c57', ACTIVATION],
  ['00000131-0000-0000-c000-000000000046', { name: 'IRemUnknown', ops: REM_UNKNOWN_OPS.slice(0, 6) }],
  ['00000143-0000-0000-c000-000000000046', { name: 'IRemUnknown2', ops: REM_UNKNOWN_OPS }],
  ['00020400-0000-0000-c000-000000000046', DISPATCH],
  ['f309ad18-d86a-11d0-a075-00c04fb68820', WBEM_LEVEL1_LOGIN],
  ['9556dc99-828c-11cf-a37e-00aa003240c7', WBEM_SERVICES],
  ['027947e1-d731-11ce-a357-000000000001', ENUM_WBEM_CLASS_OBJECT],
  ['f5cc59b4-4264-101a-8c59-08002b2f8426', { name: 'frsrpc', ops: [] }],
  ['897e2e5f-93f3-4376-9c9c-fd2277495c27', { name: 'frs2', ops: [] }],
  ['50abc2a4-574d-40b3-9d66-ee4fd5fba076', DNSSERVER],
  ['4fc742e0-4a10-11cf-8273-00aa004ae673', NETDFS],
  ['a8e0653c-2744-4389-a61d-7373df8b2292', FSRVP],
  ['c681d488-d850-11d0-8c52-00c04fd90f7e', { name: 'efsrpc', ops: EFSRPC_OPS }],
  ['df1941c5-fe89-4e79-bf10-463657acf44d', { name: 'efsrpc', ops: EFSRPC_OPS }],
  ['8d9f4e40-a03d-11ce-8f69-08003e30051b', { name: 'pnp', ops: [] }],
]);

/** Transfer syntax NDR 2.0 and NDR64 ([MS-RPCE] 2.2.5): not interfaces, but named for events. */
export const NDR_SYNTAX = '8a885d04-1ceb-11c9-9fe8-08002b104860';
export const NDR64_SYNTAX = '71710533-beba-4937-8319-b5dbef9ccc36';

/** The endpoint name of interface `uuid` (lower-case text); the UUID itself when unknown. */
export function endpointName(uuid: string): string {
  return INTERFACES.get(uuid)?.name ?? uuid;
}

/** True when `uuid` is a known interface. */
export function knownInterface(uuid: string): boolean {
  return INTERFACES.has(uuid);
}

/** The operation `opnum` of interface `uuid` (undefined when the interface is unknown); the number as text when not named. */
export function operationName(uuid: string | undefined, opnum: number): string {
  const info = uuid === undefined ? undefined : INTERFACES.get(uuid);
  const name = info?.ops[opnum];
  return name !== undefined && name !== '' ? name : `${opnum}`;
}

/**
 * The interface usually behind a named pipe, for calls whose bind was not
 * seen (a capture that starts mid-session), as Zeek guesses from the pipe
 * name. Keys are lower-case pipe names without "\PIPE\". Pipes that carry
 * several interfaces are left out: \PIPE\atsvc serves ATSvc, SASec and
 * ITaskSchedulerService, whose opnums mean different operations
 * (NetrJobAdd is ATSvc's 0, SchRpcHighestVersion the task scheduler's), so
 * a guess would name calls wrongly; they keep their opnums.
 */
const PIPE_INTERFACES: ReadonlyMap<string, string> = new Map([
  ['srvsvc', '4b324fc8-1670-01d3-1278-5a47bf6ee188'],
  ['wkssvc', '6bffd098-a112-3610-9833-46c3f87e345a'],
  ['samr', '12345778-1234-abcd-ef00-0123456789ac'],
  ['lsarpc', '12345778-1234-abcd-ef00-0123456789ab'],
  ['netlogon', '12345678-1234-abcd-ef00-01234567cffb'],
  ['svcctl', '367abb81-9844-35f1-ad32-98f038001003'],
  ['ntsvcs', '367abb81-9844-35f1-ad32-98f038001003'],
  ['winreg', '338cd001-2244-31f1-aaaa-900038001003'],
  ['spoolss', '12345678-1234-abcd-ef00-0123456789ab'],
  ['eventlog', '82273fdc-e32a-18c3-3f78-827929dc23ea'],
  ['efsrpc', 'c681d488-d850-11d0-8c52-00c04fd90f7e'],
  ['netdfs', '4fc742e0-4a10-11cf-8273-00aa004ae673'],
  ['fssagentrpc', 'a8e0653c-2744-4389-a61d-7373df8b2292'],
]);

/** The usual interface of a pipe name ("\PIPE\srvsvc", "srvsvc"), if one is known. */
export function pipeInterface(pipe: string): string | undefined {
  let name = pipe.toLowerCase();
  const at = name.lastIndexOf('\\');
  if (at >= 0) name = name.slice(at + 1);
  return PIPE_INTERFACES.get(name);
}

/**
 * Operations dce_rpc.jsonl leaves out, as Zeek's DCE_RPC::ignored_operations
 * does by default: frequent, low-value calls (registry handle bookkeeping,
 * printer opens and closes, workstation info polls). They still go out as
 * `dce_rpc.call` events.
 */
const IGNORED_OPERATIONS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  [
    'winreg',
    new Set(['BaseRegCloseKey', 'BaseRegGetVersion', 'BaseRegOpenKey', 'BaseRegQueryValue', 'BaseRegDeleteKeyEx', 'OpenLocalMachine', 'BaseRegEnumKey', 'OpenClassesRoot']),
  ],
  ['spoolss', new Set(['RpcOpenPrinter', 'RpcOpenPrinterEx', 'RpcClosePrinter'])],
  ['wkssvc', new Set(['NetrWkstaGetInfo'])],
]);

/** True when Zeek's default leaves `operation` of `endpoint` out of dce_rpc.log. */
export function ignoredOperation(endpoint: string, operation: string): boolean {
  return IGNORED_OPERATIONS.get(endpoint)?.has(operation) === true;
}
