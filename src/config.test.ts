import assert from 'node:assert/strict';
import { loadConfig } from './config.js';

describe('config: TRUST_PROXY', () => {
  const trust = (v: string | undefined) => loadConfig({}, { TRUST_PROXY: v }).TRUST_PROXY;

  it('trusts no proxy when unset or false', () => {
    assert.equal(trust(undefined), false);
    assert.equal(trust(''), false);
    assert.equal(trust('false'), false);
    assert.equal(trust('0'), false);
  });

  it("passes a hop count as a number, and names or CIDR lists as Express's `trust proxy` takes them", () => {
    assert.equal(trust('2'), 2);
    assert.equal(trust('loopback'), 'loopback');
    assert.equal(trust('10.0.0.0/8, 192.168.1.1'), '10.0.0.0/8, 192.168.1.1');
    assert.equal(trust('true'), true);
  });
});
