// Devices per network: MAC, vendor, addresses, names, first and last seen; devices first
// seen in the last day are marked as new. The column headings sort the list in the store
// (newest devices first on a first click of "First seen"). Filters (network, address, MAC,
// part of a host name), the sort and the page are the URL's query, so the header's search
// box can land here.
import { fmtTime, hostHref, qs, useApi, useTitle } from '../api';
import { go, setParams, type Params } from '../router';
import { offsetParam, Pager, SortHeader, sortOf, sortText, Status, TextFilter } from '../ui';
import type { Device, DeviceSortField, Page, Sort, SortDir } from '../../../src/store/types.js';

/** A device first seen within this many seconds of the inventory's newest activity is "new". */
const NEW_WINDOW_S = 24 * 3600;
const PAGE = 100;
const FILTERS = ['network', 'ip', 'mac', 'name'] as const;
/** The columns the list sorts by, with the direction of a first click. */
const SORTS: Readonly<Record<DeviceSortField, SortDir>> = { network: 'asc', mac: 'asc', first_seen: 'desc', last_seen: 'desc' };
/** The store's default: by network (then last seen, newest first, then MAC). */
const DEFAULT_SORT: Sort<DeviceSortField> = { field: 'network', dir: 'asc' };

export function DevicesPage(props: { params: Params }) {
  const q = props.params;
  const f = { network: q.network ?? '', ip: q.ip ?? '', mac: q.mac ?? '', name: q.name ?? '' };
  const offset = offsetParam(q.offset);
  const sortQ = q.sort ?? '';
  const sort = sortOf(sortQ, SORTS, DEFAULT_SORT);
  const show = (change: Partial<typeof f> & { offset?: number }): void => setParams({ ...f, sort: sortQ, offset: undefined, ...change });
  const sortBy = (s: Sort<DeviceSortField>): void => setParams({ ...f, sort: sortText(s, DEFAULT_SORT), offset: undefined });
  const head = (field: DeviceSortField, label: string) => <SortHeader field={field} label={label} first={SORTS[field]} sort={sort} onSort={sortBy} />;
  const d = useApi<Page<Device> & { newest_seen: number | null }>(`/devices${qs({ ...f, sort: sortQ, limit: PAGE, offset })}`);
  useTitle('Devices');
  const rows = d.data?.rows ?? [];
  // The inventory's newest activity (not this page's): "new" must not change with the sort or the page.
  const newest = d.data?.newest_seen ?? Math.max(0, ...rows.map((x) => x.last_seen));
  const filtered = FILTERS.some((k) => f[k] !== '');
  return (
    <section aria-busy={d.loading}>
      <h2>Devices {d.data !== null && <small data-testid="device-total">{d.data.total}</small>}</h2>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <TextFilter name="network" label="Network" value={f.network} onCommit={(v) => show({ network: v })} />
        <TextFilter name="ip" label="Address" value={f.ip} placeholder="10.0.0.5" title="Any spelling of one of the device's addresses" onCommit={(v) => show({ ip: v })} />
        <TextFilter name="mac" label="MAC" value={f.mac} placeholder="aa:bb:cc:dd:ee:ff" onCommit={(v) => show({ mac: v })} />
        <TextFilter name="name" label="Host name" value={f.name} placeholder="laptop" title="Part of a host name, any case" onCommit={(v) => show({ name: v })} />
        {filtered && <button type="button" onClick={() => setParams({ sort: sortQ })}>Clear filters</button>}
      </form>
      <Status error={d.error} loading={d.loading} />
      {d.data !== null && d.data.total === 0 && <p class="hint" data-testid="no-devices">No devices{filtered ? ' match these filters' : ' yet'}.</p>}
      {rows.length > 0 && (
        <div class="scroll">
          <table>
            <thead>
              <tr>
                {head('network', 'Network')}{head('mac', 'MAC')}<th>Vendor</th><th>Addresses</th><th>Host names</th>
                {head('first_seen', 'First seen (UTC)')}{head('last_seen', 'Last seen (UTC)')}
              </tr>
            </thead>
            <tbody>
              {rows.map((x) => {
                const isNew = newest - x.first_seen < NEW_WINDOW_S;
                return (
                  <tr class={isNew ? 'new' : ''}>
                    <td>{x.network || '-'}</td>
                    <td><code>{x.mac}</code>{isNew && <span class="badge">new</span>}</td>
                    <td>{x.vendor ?? '-'}</td>
                    <td class="wrap">{x.ips.map((ip, i) => <>{i > 0 && ' '}<a href={hostHref(ip)} onClick={go}>{ip}</a></>)}</td>
                    <td class="wrap">{x.hostnames.join(', ')}</td>
                    <td>{fmtTime(x.first_seen)}</td>
                    <td>{fmtTime(x.last_seen)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {d.data !== null && <Pager offset={offset} shown={rows.length} total={d.data.total} page={PAGE} label="Device pages" onOffset={(o) => show({ offset: o })} />}
    </section>
  );
}
