/**
 * The interface and operation tables against the opnums Microsoft's
 * specifications give (a table shifted by one entry names every later
 * operation wrongly), and the fallbacks for what is not known.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointName, ignoredOperation, operationName, pipeInterface } from '../../../src/protocols/dcerpc/interfaces.js';

const SPOT_CHECKS: readonly [endpoint: string, uuid: string, opnum: number, name: string][] = [
  ['epmapper', 'e1af8308-5d1f-11c9-91a4-08002b14a0fa', 3, 'ept_map'],
  ['srvsvc', '4b324fc8-1670-01d3-1278-5a47bf6ee188', 12, 'NetrSessionEnum'],
  ['srvsvc', '4b324fc8-1670-01d3-1278-5a47bf6ee188', 15, 'NetrShareEnum'],
  ['srvsvc', '4b324fc8-1670-01d3-1278-5a47bf6ee188', 41, 'NetrServerTransportAddEx'],
  ['wkssvc', '6bffd098-a112-3610-9833-46c3f87e345a', 2, 'NetrWkstaUserEnum'],
  ['wkssvc', '6bffd098-a112-3610-9833-46c3f87e345a', 30, 'NetrEnumerateComputerNames'],
  ['samr', '12345778-1234-abcd-ef00-0123456789ac', 13, 'SamrEnumerateUsersInDomain'],
  ['samr', '12345778-1234-abcd-ef00-0123456789ac', 64, 'SamrConnect5'],
  ['samr', '12345778-1234-abcd-ef00-0123456789ac', 67, 'SamrValidatePassword'],
  ['lsarpc', '12345778-1234-abcd-ef00-0123456789ab', 15, 'LsarLookupSids'],
  ['lsarpc', '12345778-1234-abcd-ef00-0123456789ab', 44, 'LsarOpenPolicy2'],
  ['lsarpc', '12345778-1234-abcd-ef00-0123456789ab', 68, 'LsarLookupNames3'],
  ['lsarpc', '12345778-1234-abcd-ef00-0123456789ab', 73, 'LsarQueryForestTrustInformation'],
  ['lsarpc', '12345778-1234-abcd-ef00-0123456789ab', 76, 'LsarLookupSids3'],
  ['lsarpc', '12345778-1234-abcd-ef00-0123456789ab', 77, 'LsarLookupNames4'],
  ['netlogon', '12345678-1234-abcd-ef00-01234567cffb', 4, 'NetrServerReqChallenge'],
  ['netlogon', '12345678-1234-abcd-ef00-01234567cffb', 26, 'NetrServerAuthenticate3'],
  ['netlogon', '12345678-1234-abcd-ef00-01234567cffb', 30, 'NetrServerPasswordSet2'],
  ['netlogon', '12345678-1234-abcd-ef00-01234567cffb', 46, 'NetrServerGetTrustInfo'],
  ['svcctl', '367abb81-9844-35f1-ad32-98f038001003', 2, 'DeleteService'],
  ['svcctl', '367abb81-9844-35f1-ad32-98f038001003', 11, 'ChangeServiceConfigW'],
  ['svcctl', '367abb81-9844-35f1-ad32-98f038001003', 12, 'CreateServiceW'],
  ['svcctl', '367abb81-9844-35f1-ad32-98f038001003', 15, 'OpenSCManagerW'],
  ['svcctl', '367abb81-9844-35f1-ad32-98f038001003', 19, 'StartServiceW'],
  ['svcctl', '367abb81-9844-35f1-ad32-98f038001003', 45, 'CreateServiceWOW64W'],
  ['atsvc', '1ff70682-0a51-30e8-076d-740be8cee98b', 0, 'NetrJobAdd'],
  ['ITaskSchedulerService', '86d35949-83c9-4044-b424-db363231fd0c', 1, 'SchRpcRegisterTask'],
  ['ITaskSchedulerService', '86d35949-83c9-4044-b424-db363231fd0c', 12, 'SchRpcRun'],
  ['ITaskSchedulerService', '86d35949-83c9-4044-b424-db363231fd0c', 19, 'SchRpcEnableTask'],
  ['winreg', '338cd001-2244-31f1-aaaa-900038001003', 2, 'OpenLocalMachine'],
  ['winreg', '338cd001-2244-31f1-aaaa-900038001003', 6, 'BaseRegCreateKey'],
  ['winreg', '338cd001-2244-31f1-aaaa-900038001003', 22, 'BaseRegSetValue'],
  ['winreg', '338cd001-2244-31f1-aaaa-900038001003', 35, 'BaseRegDeleteKeyEx'],
  ['drsuapi', 'e3514235-4b06-11d1-ab04-00c04fc2dcd2', 0, 'DRSBind'],
  ['drsuapi', 'e3514235-4b06-11d1-ab04-00c04fc2dcd2', 3, 'DRSGetNCChanges'],
  ['drsuapi', 'e3514235-4b06-11d1-ab04-00c04fc2dcd2', 12, 'DRSCrackNames'],
  ['drsuapi', 'e3514235-4b06-11d1-ab04-00c04fc2dcd2', 30, 'DRSReadNgcKey'],
  ['spoolss', '12345678-1234-abcd-ef00-0123456789ab', 65, 'RpcRemoteFindFirstPrinterChangeNotificationEx'],
  ['spoolss', '12345678-1234-abcd-ef00-0123456789ab', 69, 'RpcOpenPrinterEx'],
  ['spoolss', '12345678-1234-abcd-ef00-0123456789ab', 89, 'RpcAddPrinterDriverEx'],
  ['eventlog', '82273fdc-e32a-18c3-3f78-827929dc23ea', 0, 'ElfrClearELFW'],
  ['eventlog', '82273fdc-e32a-18c3-3f78-827929dc23ea', 22, 'ElfrGetLogInformation'],
  ['eventlog', '82273fdc-e32a-18c3-3f78-827929dc23ea', 25, 'ElfrReportEventExW'],
  ['IRemoteSCMActivator', '000001a0-0000-0000-c000-000000000046', 4, 'RemoteCreateInstance'],
  ['IObjectExporter', '99fcfec4-5260-101b-bbcb-00aa0021347a', 5, 'ServerAlive2'],
  ['IWbemLevel1Login', 'f309ad18-d86a-11d0-a075-00c04fb68820', 6, 'NTLMLogin'],
  ['IWbemServices', '9556dc99-828c-11cf-a37e-00aa003240c7', 24, 'ExecMethod'],
  ['IWbemServices', '9556dc99-828c-11cf-a37e-00aa003240c7', 25, 'ExecMethodAsync'],
  ['IWbemServices', '9556dc99-828c-11cf-a37e-00aa003240c7', 20, 'ExecQuery'],
  ['IEnumWbemClassObject', '027947e1-d731-11ce-a357-000000000001', 4, 'Next'],
  ['IDispatch', '00020400-0000-0000-c000-000000000046', 5, 'GetIDsOfNames'],
  ['IDispatch', '00020400-0000-0000-c000-000000000046', 6, 'Invoke'],
  ['IRemUnknown', '00000131-0000-0000-c000-000000000046', 5, 'RemRelease'],
  ['IRemUnknown2', '00000143-0000-0000-c000-000000000046', 6, 'RemQueryInterface2'],
  ['dssetup', '3919286a-b10c-11d0-9ba8-00c04fd92ef5', 0, 'DsRolerGetPrimaryDomainInformation'],
  ['dnsserver', '50abc2a4-574d-40b3-9d66-ee4fd5fba076', 9, 'R_DnssrvUpdateRecord2'],
  ['efsrpc', 'c681d488-d850-11d0-8c52-00c04fd90f7e', 0, 'EfsRpcOpenFileRaw'],
];

test('well-known interfaces and operations carry the names of their specifications', () => {
  for (const [endpoint, uuid, opnum, name] of SPOT_CHECKS) {
    assert.equal(endpointName(uuid), endpoint, uuid);
    assert.equal(operationName(uuid, opnum), name, `${endpoint} opnum ${opnum}`);
  }
  assert.equal(endpointName('f5cc59b4-4264-101a-8c59-08002b2f8426'), 'frsrpc');
});

test('unknown interfaces are their UUID, unknown and unnamed opnums their number', () => {
  assert.equal(endpointName('01234567-89ab-cdef-0123-456789abcdef'), '01234567-89ab-cdef-0123-456789abcdef');
  assert.equal(operationName('01234567-89ab-cdef-0123-456789abcdef', 3), '3');
  assert.equal(operationName(undefined, 7), '7');
  assert.equal(operationName('4b324fc8-1670-01d3-1278-5a47bf6ee188', 0), '0'); // srvsvc opnums 0-7 are not used on the wire
  assert.equal(operationName('4b324fc8-1670-01d3-1278-5a47bf6ee188', 500), '500');
});

test('pipe names give the usual interface; Zeek\'s ignored operations', () => {
  assert.equal(pipeInterface('\\PIPE\\srvsvc'), '4b324fc8-1670-01d3-1278-5a47bf6ee188');
  assert.equal(pipeInterface('SAMR'), '12345778-1234-abcd-ef00-0123456789ac');
  assert.equal(pipeInterface('\\pipe\\unknown'), undefined);
  // Three interfaces share this pipe with clashing opnums: no guess.
  assert.equal(pipeInterface('\\PIPE\\atsvc'), undefined);
  assert.equal(ignoredOperation('winreg', 'OpenLocalMachine'), true);
  assert.equal(ignoredOperation('winreg', 'BaseRegSetValue'), false);
  assert.equal(ignoredOperation('wkssvc', 'NetrWkstaGetInfo'), true);
  assert.equal(ignoredOperation('svcctl', 'CreateServiceW'), false);
});
