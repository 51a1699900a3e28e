import { useEffect, useState } from 'react';

export type Route =
  | { name: 'dashboard' }
  | { name: 'orders' }
  | { name: 'order'; id: number; intent?: string }
  | { name: 'customer'; orderId: number }
  | { name: 'connections' }
  | { name: 'review' }
  | { name: 'inventory' }
  | { name: 'locations' }
  | { name: 'rules' }
  | { name: 'routing' }
  | { name: 'fulfilment' }
  | { name: 'returns' };

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/');
  const intent = new URLSearchParams(query).get('do') ?? undefined;
  if (parts[0] === 'orders' && parts[1] && /^\d+$/.test(parts[1])) return { name: 'order', id: Number(parts[1]), intent };
  if (parts[0] === 'customer' && parts[1] && /^\d+$/.test(parts[1])) return { name: 'customer', orderId: Number(parts[1]) };
  if (parts[0] === 'orders') return { name: 'orders' };
  if (parts[0] === 'connections') return { name: 'connections' };
  if (parts[0] === 'review') return { name: 'review' };
  if (parts[0] === 'inventory') return { name: 'inventory' };
  if (parts[0] === 'locations') return { name: 'locations' };
  if (parts[0] === 'rules') return { name: 'rules' };
  if (parts[0] === 'routing') return { name: 'routing' };
  if (parts[0] === 'fulfilment') return { name: 'fulfilment' };
  if (parts[0] === 'returns') return { name: 'returns' };
  return { name: 'dashboard' };
}

export function go(path: string) {
  window.location.hash = path;
}

const LAST = 'oms.lastRoute';

/** The screen to open: the address, else the screen the user was on last time. */
function startRoute(): Route {
  if (!window.location.hash) {
    const last = localStorage.getItem(LAST);
    if (last) window.history.replaceState(null, '', last);
  }
  return parseRoute(window.location.hash);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(startRoute);
  useEffect(() => {
    const on = () => {
      localStorage.setItem(LAST, window.location.hash);
      setRoute(parseRoute(window.location.hash));
    };
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
