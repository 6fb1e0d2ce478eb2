/**
 * What the DCE/RPC rules (dcerpc.remote_service, dcerpc.remote_task,
 * dcerpc.wmi_exec, dcerpc.dcom_exec, dcerpc.dcsync, dcerpc.recon) share:
 * the operations each rule reads (matched by the interface and operation names
 * of src/protocols/dcerpc/interfaces.ts), how an alert names the way a call
 * travelled, and the body of the remote-execution rules, which differ in
 * the operations they read, the words of their messages, what they make
 * of the details the analyzer read from a call's stub (the service, task
 * or method and the command) and the calls leading up to them they name.
 */
import { z } from 'zod';
import type { DetectorContext, DetectorHandlers, Finding } from './detector.js';
import { detectorOptions } from '../config/fields.js';
import { hostEntryField } from './host-lists.js';
import { hostLabel, joinAnd } from './host-text.js';
import { LruMap } from '../state/lru.js';
import { plural, type Evidence, type Severity } from '../alerts/alert.js';
import { cutText, shortText } from '../util/cut-text.js';
import type { DceRpcCallDetails, DceRpcCallEvent } from '../protocols/dcerpc/events.js';
import type { ExecPattern } from './exec-patterns.js';

/** Client/server pairs whose evidence is kept while their alert is open. */
export const MAX_RPC_PAIRS = 50000;
/** Operations, pipes, servers listed per alert. */
export const MAX_RPC_LISTED = 10;
/** Longest pipe or interface text kept in evidence (both come from the wire). */
const MAX_RPC_TEXT = 128;
/** What the calls of one alert did, listed in its message; further ones are counted ("and 2 more"). */
export const MAX_RPC_ACTIONS = 5;
/** Calls whose stub details one alert's evidence lists. */
export const MAX_RPC_DETAILS = 5;
/**
 * Characters of stub-derived text (described actions, what faulted calls
 * tried, details) one tally keeps: with MAX_RPC_PAIRS tallies, this bounds
 * them all, however long the commands. What does not fit is counted, not
 * listed.
 */
export const MAX_TALLY_TEXT = 6000;
/** Longest command and name quoted in a message (the evidence keeps what the analyzer kept: 2,048 and 256). */
const MAX_MESSAGE_COMMAND = 300;
const MAX_MESSAGE_NAME = 100;

/**
 * Why call `e` did not do what it asked: the RPC fault, or the error status
 * its operation returned (ERROR_ACCESS_DENIED); undefined when it went
 * through or its outcome was not read.
 */
export function callFailure(e: DceRpcCallEvent): string | undefined {
  if (e.fault !== undefined) return e.fault;
  return e.result !== undefined && !e.result.ok ? e.result.name : undefined;
}

/**
 * Where a DCE/RPC rule's finding about call `e` happened, under alert key
 * `key`: its time, the client as source, the server and its port as
 * destination, over TCP (SMB pipes ride on TCP too).
 */
export function callFinding(e: DceRpcCallEvent, key: string): Pick<Finding, 'ts' | 'key' | 'source' | 'destination' | 'transport'> {
  return { ts: e.ts, key, source: { ip: e.client }, destination: { ip: e.server, port: e.server_port }, transport: 'tcp' };
}

/** "client|server": the key of a client -> server pair, in the rules' alerts and their per-pair state. */
export function pairKey(client: string, server: string): string {
  return `${client}|${server}`;
}

/** Operations by interface (endpoint) name. */
export type OperationTable = ReadonlyMap<string, ReadonlySet<string>>;

/** True when the call is one of `table`'s operations. */
export function isOperation(table: OperationTable, e: DceRpcCallEvent): boolean {
  return e.endpoint !== undefined && table.get(e.endpoint)?.has(e.operation) === true;
}

/** "the SMB pipe \PIPE\svcctl" or "TCP port 49668": how the call travelled. */
export function transportText(e: Pick<DceRpcCallEvent, 'transport' | 'named_pipe' | 'server_port'>): string {
  if (e.transport === 'smb') return e.named_pipe !== undefined ? `the SMB pipe ${pipeText(e.named_pipe)}` : `SMB (port ${e.server_port})`;
  return `TCP port ${e.server_port}`;
}

/** The pipe or port as evidence lists it. */
export function pipeText(named: string): string {
  return cutText(named, MAX_RPC_TEXT);
}

/** Adds `value` to a listed sample while it has room. */
export function addListed(set: Set<string>, value: string | undefined): void {
  if (value === undefined || value === '' || set.size >= MAX_RPC_LISTED || set.has(value)) return;
  set.add(cutText(value, MAX_RPC_TEXT));
}

/** Options of the remote-execution rules. */
export const REMOTE_EXEC_OPTIONS = detectorOptions({
  /**
   * Clients allowed to do this (CIDRs or network names): software
   * deployment and management servers (SCCM, PDQ, an admin jump host).
   */
  allowed_clients: z.array(hostEntryField).default([]),
  /** Report calls that failed (an RPC fault or an error status, at severity 2), or leave them out. */
  report_failed: z.boolean().default(true),
});

/** A command line quoted in a message: `"cmd.exe /c ..."`, cut at MAX_MESSAGE_COMMAND characters. */
export function quotedCommand(text: string): string {
  return `"${shortText(text, MAX_MESSAGE_COMMAND)}"`;
}

/** Severity 4 and the patterns, when a call's command matched any (exec-patterns.ts); nothing otherwise. */
export function raisedBy(patterns: readonly ExecPattern[]): Pick<CallDescription, 'severity' | 'patterns'> {
  return patterns.length > 0 ? { severity: 4, patterns } : {};
}

/** A name quoted in a message, cut at MAX_MESSAGE_NAME characters. */
export function quotedName(text: string): string {
  return `"${shortText(text, MAX_MESSAGE_NAME)}"`;
}

/** What a rule makes of the details read from one call's stub. */
export interface CallDescription {
  /** What the call did, naming what was read ('created service "X" running "..."'): said instead of the operation's action. */
  action: string;
  /** What it asked for, as a noun phrase ('service "X" running "..."'): said of a failed call ("tried to set up a service (...)"). */
  subject: string;
  /** The severity the call raises its alert to when it went through; the rule's (3) when absent. */
  severity?: Severity;
  /** Why the severity differs, as evidence (`execution_patterns`). */
  patterns?: readonly string[];
  /** A remark the message ends with, once however many calls make it ("ChangeServiceConfig names the service by a handle"). */
  note?: string;
}

/** What a remote-execution rule reads and says. */
export interface RemoteExecSpec {
  /** The operations that execute something, and what each one does ("created a service"). */
  operations: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** What a client whose calls all failed tried ("tried to set up a service"). */
  attempt: string;
  /**
   * Calls that follow up on an execution (a service started, then
   * deleted): never an alert of their own, they add what `followUp` says
   * of them (undefined: nothing) to the open alert of a pair one of whose
   * calls went through.
   */
  followUps?: OperationTable;
  followUp?: (e: DceRpcCallEvent) => string | undefined;
  /** The calls that lead up to the operations, when the rule names them. */
  context?: CallContext;
  /** What the details of a call say, for calls whose stub was read (`details` set); undefined to keep the operation's action. */
  describe?: (e: DceRpcCallEvent, details: DceRpcCallDetails) => CallDescription | undefined;
}

/**
 * Calls that prepare a remote execution (a DCOM activation, a login),
 * shown to every call before the rule filters them: what `describe` says
 * of the ones before call `e` joins its alert's message ("after ...",
 * unless the text is empty: none seen) and evidence.
 */
export interface CallContext {
  note(e: DceRpcCallEvent): void;
  describe(e: DceRpcCallEvent): { text: string; evidence: Evidence };
}

/** What the calls behind one open alert did: the evidence a DCE/RPC rule lists. */
export class CallTally {
  readonly operations = new Set<string>();
  readonly endpoints = new Set<string>();
  /** Pipes, or server ports for calls over TCP. */
  readonly pipes = new Set<string>();
  readonly servers = new Set<string>();
  /** Why calls failed: RPC faults and error statuses ("nca_s_op_rng_error", "ERROR_ACCESS_DENIED"). */
  readonly failures = new Set<string>();
  /** What the calls that ran did ("created a service"), in first-seen order, at most MAX_RPC_ACTIONS. */
  readonly actions: string[] = [];
  /** What failed calls asked for, when their stubs were read, at most MAX_RPC_ACTIONS. */
  readonly tried: string[] = [];
  /** Further distinct actions, not listed. */
  unlisted = 0;
  /** The stub details of the first calls that had them, at most MAX_RPC_DETAILS. */
  readonly details: Evidence[] = [];
  /** The execution patterns the calls' commands matched. */
  readonly patterns = new Set<string>();
  /** Remarks of the calls' descriptions (a rule has one or two). */
  readonly notes = new Set<string>();
  /** Characters of stub-derived text kept so far (MAX_TALLY_TEXT). */
  #text = 0;
  calls = 0;
  /** Calls that failed (callFailure). */
  failed = 0;
  /** Set once an alert was reported from it: the tally then lives as long as that alert is held. */
  reported = false;

  /** Counts call `e` and lists what it adds. */
  note(e: DceRpcCallEvent): void {
    this.calls++;
    addListed(this.operations, e.operation);
    addListed(this.endpoints, e.endpoint);
    addListed(this.pipes, e.named_pipe ?? `${e.server_port}`);
    addListed(this.servers, e.server);
    const failure = callFailure(e);
    if (failure !== undefined) {
      this.failed++;
      addListed(this.failures, failure);
    }
  }

  /** Lists `action` (a call that ran) unless listed already; counts it when the list is full. */
  addAction(action: string): void {
    if (this.actions.includes(action)) return;
    if (this.actions.length < MAX_RPC_ACTIONS && this.#fits(action.length)) this.actions.push(action);
    else this.unlisted++;
  }

  /** Lists what a failed call asked for. */
  addTried(subject: string): void {
    if (!this.tried.includes(subject) && this.tried.length < MAX_RPC_ACTIONS && this.#fits(subject.length)) this.tried.push(subject);
  }

  /** Keeps call `e`'s stub details as evidence, the first MAX_RPC_DETAILS distinct ones that fit. */
  addDetails(e: DceRpcCallEvent, details: DceRpcCallDetails): void {
    if (this.details.length >= MAX_RPC_DETAILS) return;
    const item: Evidence = { operation: e.operation, failed: callFailure(e) !== undefined, ...(e.result !== undefined ? { returned: e.result.name } : {}), ...details };
    const text = JSON.stringify(item);
    if (!this.details.some((d) => JSON.stringify(d) === text) && this.#fits(text.length)) this.details.push(item);
  }

  /** True (and counted) when `n` more characters stay within MAX_TALLY_TEXT. */
  #fits(n: number): boolean {
    if (this.#text + n > MAX_TALLY_TEXT) return false;
    this.#text += n;
    return true;
  }

  /** The evidence every DCE/RPC rule gives: interfaces, operations, transport, pipes, calls and failures. */
  evidence(e: DceRpcCallEvent): Evidence {
    return {
      interface: [...this.endpoints],
      interface_uuid: e.interface_uuid ?? null,
      operations: [...this.operations],
      rpc_transport: e.transport,
      named_pipes: [...this.pipes],
      calls: this.calls,
      failed: this.failed,
      failures: [...this.failures],
    };
  }

  /** The actions of the message: "a, b and 2 more". */
  actionText(): string {
    return joinAnd(this.unlisted > 0 ? [...this.actions, `${this.unlisted} more`] : this.actions);
  }
}

/** The tallies of a rule's alert keys (callTallies). */
export interface TallyBook {
  /** The tally of `key`, made afresh when it has none or its alert is no longer held. */
  (key: string): CallTally;
  /** The tally of `key` while the alert it was reported in is held; undefined otherwise (nothing is made). */
  open(key: string): CallTally | undefined;
}

/**
 * The tally of each alert key, kept for at most `max` keys: a key's tally
 * starts afresh once the alert it was reported in is no longer held.
 */
export function callTallies(ctx: Pick<DetectorContext<unknown>, 'held'>, max: number): TallyBook {
  const tallies = new LruMap<string, CallTally>(max);
  const stale = (t: CallTally, key: string): boolean => t.reported && ctx.held(key) === undefined;
  const get = (key: string): CallTally => {
    let t = tallies.get(key);
    if (t === undefined || stale(t, key)) {
      t = new CallTally();
      tallies.set(key, t);
    }
    return t;
  };
  const open = (key: string): CallTally | undefined => {
    const t = tallies.get(key);
    return t !== undefined && t.reported && !stale(t, key) ? t : undefined;
  };
  return Object.assign(get, { open });
}

/**
 * The body of dcerpc.remote_service, dcerpc.remote_task and
 * dcerpc.wmi_exec: every call of
 * one of `spec.operations` from a client not allowed to make it is a
 * finding, one alert per client -> server pair per dedup interval. A call
 * that failed (an RPC fault, or an error status such as
 * ERROR_ACCESS_DENIED when the response was read) did not run; it is
 * reported at severity 2 (its own wording) unless `report_failed` is off,
 * and a pair with one call that went through is reported at the rule's
 * severity, or at the one `spec.describe` gives for what the call's stub
 * details say. Whether a call is reported never depends on its details:
 * they change the words, the evidence (`details`, `execution_patterns`)
 * and the severity only. Calls of `spec.followUps` (starting the service
 * just created) only add to an alert whose pair had a call go through.
 */
export function createRemoteExec(ctx: DetectorContext<z.output<typeof REMOTE_EXEC_OPTIONS>>, spec: RemoteExecSpec): DetectorHandlers {
  const allowed = ctx.site.hostSet(ctx.options.allowed_clients);
  const tables = new Map<string, ReadonlySet<string>>();
  for (const [endpoint, ops] of spec.operations) tables.set(endpoint, new Set(ops.keys()));
  const tally = callTallies(ctx, MAX_RPC_PAIRS);

  /**
   * Reports pair `key`'s alert as its tally now reads, after call `e` (at
   * `severity`, which only raises the held one), counting `count` findings.
   */
  const report = (e: DceRpcCallEvent, key: string, t: CallTally, severity: Severity, count = 1): void => {
    const ran = t.calls - t.failed;
    const ops = `${[...t.endpoints].join('/')} ${[...t.operations].join(', ')}`;
    const how = `over ${transportText(e)}`;
    const counts = t.calls > 1 ? `; ${plural(t.calls, 'call')}${t.failed > 0 ? `, ${t.failed} failed` : ''}` : '';
    const before = spec.context?.describe(e);
    const after = before !== undefined && before.text !== '' ? `; after ${before.text}` : '';
    const tried = t.tried.length > 0 ? ` (${joinAnd(t.tried)})` : '';
    const notes = t.notes.size > 0 ? `; ${[...t.notes].join('; ')}` : '';
    const message =
      ran > 0
        ? `${hostLabel(ctx.site, e.client)} ${t.actionText()} on ${hostLabel(ctx.site, e.server)} over RPC (${ops} ${how}${counts}${after})${notes}`
        : `${hostLabel(ctx.site, e.client)} ${spec.attempt}${tried} on ${hostLabel(ctx.site, e.server)} over RPC (${ops} ${how}${after}); ${t.failed === 1 ? 'the call' : `all ${t.failed} calls`} failed (${[...t.failures].join(', ')})${notes}`;
    ctx.report({
      ...callFinding(e, key),
      severity,
      count,
      message,
      evidence: {
        ...t.evidence(e),
        details: [...t.details],
        execution_patterns: [...t.patterns],
        ...before?.evidence,
      },
    });
  };

  /** A follow-up call: added to the pair's open alert when one of its calls went through. */
  const followUp = (e: DceRpcCallEvent): void => {
    const key = pairKey(e.client, e.server);
    const t = tally.open(key);
    if (t === undefined || t.calls === t.failed) return;
    const action = spec.followUp?.(e);
    if (action === undefined) return;
    t.addAction(action);
    if (e.details !== undefined) t.addDetails(e, e.details);
    // Severity 1 never lowers the held alert's (the engine keeps the highest); a follow-up is no finding of its own.
    report(e, key, t, 1, 0);
  };

  return {
    'dce_rpc.call'(e) {
      spec.context?.note(e);
      if (!isOperation(tables, e)) {
        if (spec.followUps !== undefined && isOperation(spec.followUps, e)) followUp(e);
        return;
      }
      const failure = callFailure(e);
      if (failure !== undefined && !ctx.options.report_failed) return;
      if (e.client === e.server || ctx.excluded(e.client) || ctx.excluded(e.server)) return;
      if (allowed.has(e.client)) return;
      const key = pairKey(e.client, e.server);
      const t = tally(key);
      t.reported = true;
      t.note(e);
      const said = e.details !== undefined ? spec.describe?.(e, e.details) : undefined;
      if (e.details !== undefined) t.addDetails(e, e.details);
      if (said?.note !== undefined) t.notes.add(said.note);
      if (failure === undefined) {
        const action = said?.action ?? spec.operations.get(e.endpoint!)?.get(e.operation);
        if (action !== undefined) t.addAction(action);
        for (const p of said?.patterns ?? []) t.patterns.add(p);
      } else if (said !== undefined) {
        t.addTried(said.subject);
      }
      // A failed call alone is medium; one that went through raises the alert (the engine keeps the highest),
      // to what its details call for when they were read.
      report(e, key, t, failure !== undefined ? 2 : (said?.severity ?? 3));
    },
  };
}

/** Builds an operation table from [endpoint, [operation, action][]] pairs. */
export function operationActions(entries: readonly (readonly [string, readonly (readonly [string, string])[]])[]): ReadonlyMap<string, ReadonlyMap<string, string>> {
  return new Map(entries.map(([endpoint, ops]) => [endpoint, new Map(ops)]));
}
