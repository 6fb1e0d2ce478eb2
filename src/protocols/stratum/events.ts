/**
 * Events of the Stratum analyzer (the JSON-RPC mining protocol of pools):
 * one `stratum.login` per miner sign-in seen, not logged (conn.log's
 * service says "stratum").
 */

export interface StratumLoginEvent {
  type: 'stratum.login';
  ts: number;
  uid: string;
  client: string;
  server: string;
  server_port: number;
  /** "mining.subscribe", "mining.authorize" (Stratum V1, Bitcoin-style pools), "login" (Monero pools), "eth_submitLogin" (Ethereum proxies). */
  method: string;
  /** Mining software as it named itself ("XMRig/6.21.0 ...", "cgminer/4.12.0"). */
  agent?: string;
  /** The wallet address or worker name it signed in as. */
  user?: string;
  /** The mining algorithms it offered (Monero pools' "algo"). */
  algorithms?: string[];
  /** The pool's answer: accepted (a result, a job), refused (an error), or not seen. */
  accepted?: boolean;
}

export type StratumEvent = StratumLoginEvent;
