/**
 * Log-in response times for an unknown email and for a known email with a wrong password (they
 * should match, so timing does not reveal which emails have accounts). Run: `npm run build &&
 * node dist/bench/login-timing.js [rounds]`. Prints median and p90 in milliseconds.
 */
import request from 'supertest';
import { createTestContext, csrfFrom } from '../test/helpers.js';

const rounds = Number(process.argv[2] ?? 60);
const ctx = await createTestContext({ workers: 0, configOverrides: { LOGIN_MAX_FAILURES: 1_000_000 } });
try {
  const agent = request.agent(ctx.app);
  const csrf = csrfFrom((await agent.get('/signup').expect(200)).text);
  await agent.post('/signup').type('form').send({ _csrf: csrf, email: 'known@example.org', name: 'Known', password: 'correct horse battery' }).expect(303);
  const anon = request.agent(ctx.app);
  const anonCsrf = csrfFrom((await anon.get('/login').expect(200)).text);
  const time = async (email: string) => {
    const t0 = process.hrtime.bigint();
    await anon.post('/login').set('Accept', 'application/json').send({ _csrf: anonCsrf, email, password: 'wrong password' }).expect(401);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const unknown: number[] = [];
  const wrong: number[] = [];
  for (let i = 0; i < 5; i++) await time('warm-up@example.org');
  for (let i = 0; i < rounds; i++) {
    unknown.push(await time(`nobody${i}@example.org`));
    wrong.push(await time('known@example.org'));
  }
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `median ${s[Math.floor(s.length / 2)].toFixed(1)} ms, p90 ${s[Math.floor(s.length * 0.9)].toFixed(1)} ms`;
  };
  console.log(`login timing over ${rounds} rounds each (SQLite, in-process HTTP)`);
  console.log(`  unknown email:          ${stats(unknown)}`);
  console.log(`  known email, wrong pw:  ${stats(wrong)}`);
} finally {
  await ctx.close();
}
