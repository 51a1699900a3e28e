import { useEffect, useState } from 'react';

export type Route =
  | { name: 'dashboard' }
  | { name: 'orders' }
  | { name: 'order'; id: number }
  | { name: 'connections' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  if (parts[0] === 'orders' && parts[1] && /^\d+$/.test(parts[1])) return { name: 'order', id: Number(parts[1]) };
  if (parts[0] === 'orders') return { name: 'orders' };
  if (parts[0] === 'connections') return { name: 'connections' };
  return { name: 'dashboard' };
}

export function go(path: string) {
  window.location.hash = path;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
