import assert from 'node:assert/strict';
import request from 'supertest';
import type { Express } from 'express';
import { createTestContext, csrfFrom, signedInAgent, type TestContext } from './helpers.js';
import { logIn } from '../src/accounts/service.js';
import { verifyPassword } from '../src/accounts/passwords.js';
import { createApiToken } from '../src/accounts/tokens.js';
import { UserError } from '../src/web/errors.js';

const JSON_ = 'application/json';
const PASSWORD = 'correct horse battery';

/** An anonymous agent holding the log-in form's CSRF cookie, and a log-in through it from a chosen forwarded address. */
async function loginClient(app: Express) {
  const agent = request.agent(app);
  const csrf = csrfFrom((await agent.get('/login').expect(200)).text);
  return (email: string, password: string, forwardedFor?: string) => {
    const req = agent.post('/login').set('Accept', JSON_).send({ _csrf: csrf, email, password });
    return forwardedFor ? req.set('X-Forwarded-For', forwardedFor) : req;
  };
}

const address = (i: number) => `203.0.113.${(i % 250) + 1}`;

describe('accounts: log-in hardening and signing out everywhere', function () {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext({ workers: 0 });
  });
  after(async () => ctx.close());

  describe('log-in timing', () => {
    const policy = { maxFailures: 1000, windowMs: 60_000 };

    it('runs the password KDF for an unknown email just as for a wrong password', async () => {
      await signedInAgent(ctx.app, 'known@example.org');
      const calls: string[] = [];
      const counting = async (password: string, stored: string) => {
        calls.push(stored);
        return verifyPassword(password, stored);
      };
      await assert.rejects(logIn(ctx.handle.db, { email: 'nobody@example.org', password: 'guess-guess' }, policy, counting), (e: unknown) => e instanceof UserError && e.status === 401);
      await assert.rejects(logIn(ctx.handle.db, { email: 'known@example.org', password: 'guess-guess' }, policy, counting), (e: unknown) => e instanceof UserError && e.status === 401);
      assert.equal(calls.length, 2, 'one verification per attempt, account or not');
      const params = (hash: string) => hash.split('$').slice(0, 4).join('$');
      assert.equal(params(calls[0]), params(calls[1]), 'the unknown email is checked against a hash of the same cost');
      assert.match(calls[0], /^scrypt\$/);
    });
  });

  describe('per-account throttle', () => {
    it('locks an account after 10 failures from rotating addresses, right password or not, and leaves other accounts alone', async () => {
      await signedInAgent(ctx.app, 'target@example.org');
      await signedInAgent(ctx.app, 'bystander@example.org');
      const attempt = await loginClient(ctx.app);
      for (let i = 0; i < 10; i++) await attempt('Target@Example.org ', `wrong-${i}-password`, address(i)).expect(401);
      const locked = await attempt('target@example.org', PASSWORD, address(99)).expect(429);
      assert.equal(locked.body.error.code, 'too_many_failures');
      const retryAfter = Number(locked.headers['retry-after']);
      assert.ok(retryAfter > 0 && retryAfter <= 15 * 60, `Retry-After ${locked.headers['retry-after']}`);
      assert.equal(locked.body.error.retryAfterSeconds, retryAfter);
      await attempt('bystander@example.org', PASSWORD, address(100)).expect(200);
    });

    it('counts parallel guesses before checking them, so no more than 10 are ever checked', async () => {
      await signedInAgent(ctx.app, 'rushed@example.org');
      const attempt = await loginClient(ctx.app);
      const statuses = await Promise.all(Array.from({ length: 25 }, (_, i) => attempt('rushed@example.org', `guess-${i}-guess`, address(i)).then((r) => r.status)));
      assert.deepEqual([statuses.filter((s) => s === 401).length, statuses.filter((s) => s === 429).length], [10, 15]);
    });

    it('lets the right password in again once the window has passed', async () => {
      const attempt = await loginClient(ctx.app);
      await attempt('target@example.org', PASSWORD).expect(429);
      // As if the failures had happened 16 minutes ago.
      await ctx.handle.db.updateTable('login_attempts').set({ window_started_at: new Date(Date.now() - 16 * 60_000).toISOString() }).execute();
      await attempt('target@example.org', PASSWORD).expect(200);
    });

    it('shows the 429 on the log-in page, with Retry-After, to a browser', async () => {
      const agent = request.agent(ctx.app);
      const csrf = csrfFrom((await agent.get('/login').expect(200)).text);
      for (let i = 0; i < 10; i++) await agent.post('/login').type('form').send({ _csrf: csrf, email: 'pagelock@example.org', password: 'nope-nope' }).expect(401);
      const page = await agent.post('/login').type('form').send({ _csrf: csrf, email: 'pagelock@example.org', password: 'nope-nope' }).expect(429);
      assert.ok(Number(page.headers['retry-after']) > 0);
      assert.match(page.text, /Too many failed log-ins to this account/);
    });

    it('counts unknown emails the same way, so a 429 does not tell which accounts exist', async () => {
      const attempt = await loginClient(ctx.app);
      for (let i = 0; i < 10; i++) await attempt('ghost@example.org', 'whatever-123', address(i)).expect(401);
      await attempt('ghost@example.org', 'whatever-123', address(11)).expect(429);
    });

    it('starts counting afresh after a successful log-in', async () => {
      await signedInAgent(ctx.app, 'forgetful@example.org');
      let attempt = await loginClient(ctx.app);
      for (let i = 0; i < 9; i++) await attempt('forgetful@example.org', 'typo-typo', address(i)).expect(401);
      await attempt('forgetful@example.org', PASSWORD).expect(200);
      attempt = await loginClient(ctx.app); // a signed-in client has its session's CSRF token: start a new one
      for (let i = 0; i < 10; i++) await attempt('forgetful@example.org', 'typo-typo', address(i)).expect(401);
      await attempt('forgetful@example.org', PASSWORD).expect(429);
    });
  });

  describe('sign out everywhere', () => {
    let cached: TestContext;
    before(async () => {
      // With the session cache on, so a cached lookup cannot keep the other session alive.
      cached = await createTestContext({ workers: 0, configOverrides: { SESSION_CACHE_MS: 60_000 } });
    });
    after(async () => cached.close());

    it('ends every session of the user from the profile page, keeps their API tokens, and leaves other users signed in', async () => {
      const laptop = await signedInAgent(cached.app, 'roamer@example.org');
      const phone = request.agent(cached.app);
      const phoneCsrf = csrfFrom((await phone.get('/login').expect(200)).text);
      await phone.post('/login').type('form').send({ _csrf: phoneCsrf, email: 'roamer@example.org', password: PASSWORD }).expect(303);
      const other = await signedInAgent(cached.app, 'stayer@example.org');
      const user = await cached.handle.db.selectFrom('users').select('id').where('email', '=', 'roamer@example.org').executeTakeFirstOrThrow();
      const { token } = await createApiToken(cached.handle.db, user.id, { name: 'ci' });
      await laptop.agent.get('/profile').expect(200);
      const profile = await phone.get('/profile').expect(200); // both lookups now cached
      assert.match(profile.text, /action="\/logout\/everywhere"/);
      assert.match(profile.text, /API tokens keep working/);

      await phone.post('/logout/everywhere').type('form').send({}).expect(403); // CSRF like every form
      await phone.post('/logout/everywhere').type('form').send({ _csrf: csrfFrom(profile.text) }).expect(303);

      for (const agent of [laptop.agent, phone]) {
        const after = await agent.get('/profile');
        assert.equal(after.status, 303);
        assert.match(after.headers.location, /^\/login/);
      }
      const left = await cached.handle.db.selectFrom('sessions').select('user_id').where('user_id', '=', user.id).execute();
      assert.deepEqual(left, []);
      await other.agent.get('/profile').expect(200);
      const me = await request(cached.app).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
      assert.equal(me.body.user.email, 'roamer@example.org');
    });
  });
});

describe('accounts: which client address the log-in limiter counts (TRUST_PROXY)', function () {
  const rotate = async (app: Express) => {
    const attempt = await loginClient(app);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await attempt(`someone${i}@example.org`, 'wrong-password', address(i))).status);
    return statuses;
  };

  it('ignores X-Forwarded-For unless TRUST_PROXY names the proxy, so rotating it does not dodge the per-address limit', async () => {
    for (const [trustProxy, expected] of [
      [undefined, [401, 401, 401, 401, 401, 429]],
      ['loopback', [401, 401, 401, 401, 401, 401]],
    ] as const) {
      const ctx = await createTestContext({ workers: 0, configOverrides: { LOGIN_RATE_LIMIT: 5, TRUST_PROXY: trustProxy } });
      try {
        assert.deepEqual(await rotate(ctx.app), expected, `TRUST_PROXY=${trustProxy}`);
      } finally {
        await ctx.close();
      }
    }
  });
});
