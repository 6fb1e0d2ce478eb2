// Devices per network: MAC, vendor, addresses, names, first and last seen; devices first
// seen in the last day are highlighted as new.
import { useEffect, useState } from 'preact/hooks';
import { api, fmtTime, qs } from '../api';
import { go } from '../router';
import type { Device } from '../../../src/store/types.js';

/** A device first seen within this many seconds of the newest one is "new". */
const NEW_WINDOW_S = 24 * 3600;
const PAGE = 100;


export function DevicesPage() {
  const [network, setNetwork] = useState('');
  const [offset, setOffset] = useState(0);
  const [d, setD] = useState<{ total: number; rows: Device[] } | null>(null);
  useEffect(() => {
    void api<{ total: number; rows: Device[] }>('GET', `/devices${qs({ network, limit: PAGE, offset })}`).then(setD);
  }, [network, offset]);
  const newest = Math.max(0, ...(d?.rows.map((x) => x.last_seen) ?? []));
  return (
    <section>
      <h2>Devices {d !== null && <small>{d.total}</small>}</h2>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>Network <input name="network" value={network} onChange={(e) => { setOffset(0); setNetwork(e.currentTarget.value); }} /></label>
      </form>
      <div class="scroll">
        <table>
          <thead><tr><th>Network</th><th>MAC</th><th>Vendor</th><th>IPs</th><th>Hostnames</th><th>First seen</th><th>Last seen</th></tr></thead>
          <tbody>
            {d?.rows.map((x) => (
              <tr class={newest - x.first_seen < NEW_WINDOW_S ? 'new' : ''}>
                <td>{x.network || '-'}</td><td><code>{x.mac}</code></td><td>{x.vendor ?? '-'}</td>
                <td>{x.ips.map((ip) => <a href={`/hosts/${ip}`} onClick={go}>{ip} </a>)}</td>
                <td>{x.hostnames.join(', ')}</td><td>{fmtTime(x.first_seen)}</td><td>{fmtTime(x.last_seen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {d !== null && (
        <p class="pager">
          <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Previous</button>
          <button disabled={offset + PAGE >= d.total} onClick={() => setOffset(offset + PAGE)}>Next</button>
        </p>
      )}
    </section>
  );
}
