/**
 * lateral.server_to_workstation — a server exchanged data with a
 * workstation on a lateral-movement port. Servers answer workstations; a
 * compromised server reaching back into user machines over SMB, RDP or WinRM
 * is an attacker pivoting. Admin networks are exempt by role (they are
 * neither server nor workstation).
 */
import { defineDetector } from './detector.js';
import { LATERAL_OPTIONS, createLateral } from './lateral-common.js';

export const OPTIONS = LATERAL_OPTIONS;

export default defineDetector({
  id: 'lateral.server_to_workstation',
  name: 'Server to workstation on an admin port',
  description: 'A host in a server network connected to a workstation on a remote administration or file-sharing port.',
  severity: 3,
  category: ['network', 'intrusion_detection'],
  technique: 'T1021',
  subscribes: ['arp', 'auth', 'flow.end'],
  longFlows: true,
  options: OPTIONS,
  create: (ctx) => createLateral(ctx, 'server', 'workstation'),
});
