import { describe, expect, it } from 'vitest';
import { parseRoute } from './route';

describe('routes', () => {
  it('opens an order with what the agent wants to do', () => {
    expect(parseRoute('#/orders/42')).toEqual({ name: 'order', id: 42, intent: undefined });
    expect(parseRoute('#/orders/42?do=return')).toEqual({ name: 'order', id: 42, intent: 'return' });
    expect(parseRoute('#/customer/7')).toEqual({ name: 'customer', orderId: 7 });
    expect(parseRoute('#/returns')).toEqual({ name: 'returns' });
    expect(parseRoute('#/orders/x')).toEqual({ name: 'orders' });
  });
});
