/**
 * lateral.workstation_to_workstation — a workstation exchanged data with
 * another workstation on a lateral-movement port (SMB, RPC, RDP, WinRM,
 * SSH, VNC). Peer-to-peer administration between user machines is the
 * classic path of PsExec/WMI-style spreading. See lateral-common.ts for the
 * session-vs-attempt choice.
 */
import { defineDetector } from './detector.js';
import { LATERAL_OPTIONS, createLateral } from './lateral-common.js';

export const OPTIONS = LATERAL_OPTIONS;

export default defineDetector({
  id: 'lateral.workstation_to_workstation',
  name: 'Workstation to workstation on an admin port',
  description: 'A host in a workstation network connected to another workstation on a remote administration or file-sharing port.',
  severity: 3,
  category: ['network', 'intrusion_detection'],
  technique: 'T1021',
  subscribes: ['arp', 'auth', 'flow.end'],
  longFlows: true,
  options: OPTIONS,
  create: (ctx) => createLateral(ctx, 'workstation', 'workstation'),
});
