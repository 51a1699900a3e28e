import { useInfiniteQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef } from 'react';
import type { OrderQuery, OrderRow, OrderSort } from '../../api/bindings';
import { api, reportReady } from '../../api/client';
import { PaymentBadge, StatusBadge, Tags } from '../../components/badges';
import { useI18n, type MessageKey } from '../../i18n';
import { go } from '../../route';

const ROW_H = 34;
const PAGE = 200;

type Props = {
  query: OrderQuery;
  selected: Set<number>;
  onSelect: (next: Set<number>) => void;
  onSort: (s: OrderSort) => void;
  onRows: (rows: OrderRow[]) => void;
};

/** The virtualised order list: renders only what is visible and pages in through the keyset
 * cursor as the user scrolls, so a million orders scroll like a hundred. */
export function OrderTable({ query, selected, onSelect, onSort, onRows }: Props) {
  const { t, money, shortDateTime } = useI18n();
  const parent = useRef<HTMLDivElement>(null);
  const anchor = useRef<number | null>(null);
  const pages = useInfiniteQuery({
    queryKey: ['orders', { ...query, cursor: null, limit: PAGE }],
    queryFn: ({ pageParam }) => api.listOrders({ ...query, cursor: pageParam, limit: PAGE }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    placeholderData: (prev) => prev,
  });
  const rows = useMemo(() => pages.data?.pages.flatMap((p) => p.rows) ?? [], [pages.data]);
  useEffect(() => onRows(rows), [rows, onRows]);
  useEffect(() => {
    if (rows.length > 0) requestAnimationFrame(() => reportReady('orders'));
  }, [rows.length]);
  const v = useVirtualizer({ count: rows.length, getScrollElement: () => parent.current, estimateSize: () => ROW_H, overscan: 12 });
  const items = v.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1].index : 0;
  useEffect(() => {
    if (lastIndex >= rows.length - 50 && pages.hasNextPage && !pages.isFetchingNextPage) void pages.fetchNextPage();
  }, [lastIndex, rows.length, pages]);
  useEffect(() => {
    parent.current?.scrollTo({ top: 0 });
  }, [query]);

  const toggle = (index: number, shift: boolean) => {
    const next = new Set(selected);
    const id = rows[index].id;
    if (shift && anchor.current !== null) {
      const [a, b] = [Math.min(anchor.current, index), Math.max(anchor.current, index)];
      for (let i = a; i <= b; i++) next.add(rows[i].id);
    } else if (next.has(id)) next.delete(id);
    else next.add(id);
    anchor.current = index;
    onSelect(next);
  };
  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const head = (key: MessageKey, sort?: OrderSort, cls = '') => (
    <div className={`th ${cls} ${sort ? 'sortable' : ''}`} onClick={sort ? () => onSort(sort) : undefined}>
      {t(key)}
      {sort && query.sort === sort ? (query.dir === 'asc' ? ' ▲' : ' ▼') : ''}
    </div>
  );
  return (
    <div className="table">
      <div className="tr thead">
        <div className="th check">
          <input
            type="checkbox"
            aria-label={t('orders.selectAll')}
            checked={allSelected}
            onChange={() => onSelect(allSelected ? new Set() : new Set(rows.map((r) => r.id)))}
          />
        </div>
        {head('orders.col.number', 'order_number')}
        {head('orders.col.channel')}
        {head('orders.col.placed', 'placed_at')}
        {head('orders.col.customer')}
        {head('orders.col.country')}
        {head('orders.col.total', 'grand_total', 'num')}
        {head('orders.col.payment')}
        {head('orders.col.status', 'priority')}
        {head('orders.col.tags')}
      </div>
      <div className="tbody" ref={parent} data-testid="order-list">
        {pages.isSuccess && rows.length === 0 && <div className="empty muted">{t('orders.empty')}</div>}
        <div style={{ height: v.getTotalSize(), position: 'relative' }}>
          {items.map((it) => {
            const r = rows[it.index];
            return (
              <div
                key={r.id}
                className={`tr row ${selected.has(r.id) ? 'selected' : ''}`}
                style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_H, transform: `translateY(${it.start}px)` }}
                data-testid="order-row"
                data-order-id={r.id}
                data-order-number={r.order_number}
                onClick={() => go(`/orders/${r.id}`)}
              >
                <div className="td check" onClick={(e) => { e.stopPropagation(); toggle(it.index, e.shiftKey); }}>
                  <input type="checkbox" checked={selected.has(r.id)} readOnly />
                </div>
                <div className="td mono strong">{r.order_number}</div>
                <div className="td ellipsis">{r.connection_name}</div>
                <div className="td nowrap">{shortDateTime(r.placed_at)}</div>
                <div className="td ellipsis">{r.customer_name}</div>
                <div className="td">{r.ship_country ?? ''}</div>
                <div className="td num">{money(r.grand_total, r.currency)}</div>
                <div className="td"><PaymentBadge status={r.payment_status} /></div>
                <div className="td"><StatusBadge status={r.status} /></div>
                <div className="td ellipsis"><Tags tags={r.tags} /></div>
              </div>
            );
          })}
        </div>
        {pages.isFetchingNextPage && <div className="loading-more muted">{t('orders.loadingMore')}</div>}
      </div>
    </div>
  );
}
