import { useQuery } from '@tanstack/react-query';
import { api } from './api/client';
import { Palette } from './components/palette';
import { ProgressBar } from './components/progress';
import { LANGS, useI18n, type Lang } from './i18n';
import { go, useRoute, type Route } from './route';
import { Connections } from './screens/connections/Connections';
import { Dashboard } from './screens/dashboard/Dashboard';
import { FirstRun } from './screens/first-run/FirstRun';
import { OrderDetail } from './screens/order-detail/OrderDetail';
import { Orders } from './screens/orders/Orders';
import { Inventory } from './screens/inventory/Inventory';
import { Locations } from './screens/locations/Locations';
import { Review } from './screens/review/Review';
import { Fulfilment } from './screens/fulfilment/Fulfilment';
import { Returns } from './screens/returns/Returns';
import { Customer } from './screens/customer/Customer';
import { Routing } from './screens/routing/Routing';
import { Rules } from './screens/rules/Rules';

export function App() {
  const { t, lang, setLang } = useI18n();
  const route = useRoute();
  const info = useQuery({ queryKey: ['app-info'], queryFn: api.appInfo });
  const firstRun = info.data?.first_run ?? false;
  const nav = (name: Route['name'], path: string, label: string, testid: string) => (
    <button className={`nav-item ${route.name === name || (name === 'orders' && route.name === 'order') ? 'active' : ''}`} data-testid={testid} onClick={() => go(path)}>
      {label}
    </button>
  );
  let screen;
  if (!info.data) screen = <div className="screen muted">{t('common.loading')}</div>;
  else if (firstRun && route.name !== 'connections') screen = <FirstRun />;
  else if (route.name === 'orders') screen = <Orders />;
  else if (route.name === 'order') screen = <OrderDetail key={`${route.id}-${route.intent ?? ''}`} id={route.id} intent={route.intent} />;
  else if (route.name === 'customer') screen = <Customer key={route.orderId} orderId={route.orderId} />;
  else if (route.name === 'connections') screen = <Connections />;
  else if (route.name === 'review') screen = <Review />;
  else if (route.name === 'inventory') screen = <Inventory />;
  else if (route.name === 'locations') screen = <Locations />;
  else if (route.name === 'rules') screen = <Rules />;
  else if (route.name === 'routing') screen = <Routing />;
  else if (route.name === 'fulfilment') screen = <Fulfilment />;
  else if (route.name === 'returns') screen = <Returns />;
  else screen = <Dashboard />;
  return (
    <div className="app">
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark">▣</span> {t('app.name')}
        </div>
        <nav>
          {nav('dashboard', '/dashboard', t('nav.dashboard'), 'nav-dashboard')}
          {nav('orders', '/orders', t('nav.orders'), 'nav-orders')}
          {nav('review', '/review', t('nav.review'), 'nav-review')}
          {nav('inventory', '/inventory', t('nav.inventory'), 'nav-inventory')}
          {nav('fulfilment', '/fulfilment', t('nav.fulfilment'), 'nav-fulfilment')}
          {nav('returns', '/returns', t('nav.returns'), 'nav-returns')}
          {nav('locations', '/locations', t('nav.locations'), 'nav-locations')}
          {nav('rules', '/rules', t('nav.rules'), 'nav-rules')}
          {nav('routing', '/routing', t('nav.routing'), 'nav-routing')}
          {nav('connections', '/connections', t('nav.connections'), 'nav-connections')}
        </nav>
        <div className="sidebar-foot">
          <label className="field small">
            <span>{t('nav.language')}</span>
            <select data-testid="lang-select" value={lang} onChange={(e) => setLang(e.target.value as Lang)}>
              {LANGS.map((l) => (
                <option key={l} value={l}>
                  {l === 'en' ? 'English' : 'Deutsch'}
                </option>
              ))}
            </select>
          </label>
          {info.data && <div className="muted tiny">v{info.data.version}</div>}
        </div>
      </aside>
      <main className="main">
        <header className="topbar">
          <button className="search-button" onClick={() => window.dispatchEvent(new Event('oms:palette'))}>
            {t('nav.search')} <kbd>{navigator.platform.startsWith('Mac') ? '⌘' : 'Ctrl'} K</kbd>
          </button>
        </header>
        {screen}
      </main>
      <Palette />
      <ProgressBar />
    </div>
  );
}
