import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { chooseLiveRows, liveRank, splitGoldAndKnown, spreadAmong, streamCsvRecords, takeTrainRows } from './setup.js';
import { isEvaluationRow } from './evaluation-split.js';

const rows = (cls: string, n: number) => Array.from({ length: n }, (_, i) => ({ name: `${cls}${i}`, Class: cls }));

describe('splitGoldAndKnown', () => {
  it('takes goldPerClass + knownPerClass rows of each class, known ones spread evenly', () => {
    const train = [...rows('A', 100), ...rows('B', 100), ...rows('Z', 5)];
    const { gold, known } = splitGoldAndKnown(train, 'Class', ['A', 'B'], 6, 3);
    assert.deepEqual(known.map((r) => r.name), ['A2', 'A5', 'A8', 'B2', 'B5', 'B8']);
    assert.deepEqual(gold.filter((r) => r.Class === 'A').map((r) => r.name), ['A0', 'A1', 'A3', 'A4', 'A6', 'A7']);
    assert.equal(gold.length, 12);
  });

  it('splits a rare class in the same ratio and never repeats a row', () => {
    const { gold, known } = splitGoldAndKnown(rows('C', 7), 'Class', ['C'], 60, 30);
    assert.equal(gold.length + known.length, 7);
    assert.equal(known.length, 2);
    assert.equal(new Set([...gold, ...known].map((r) => r.name)).size, 7);
  });

  it('takes no known sources when knownPerClass is 0', () => {
    const { gold, known } = splitGoldAndKnown(rows('A', 10), 'Class', ['A'], 4, 0);
    assert.equal(known.length, 0);
    assert.equal(gold.length, 4);
  });
});

describe('spreadAmong', () => {
  it('spreads the extra items evenly through the base, keeping both orders', () => {
    assert.deepEqual(spreadAmong<number | string>([1, 2, 3, 4, 5, 6], ['a', 'b']), [1, 2, 3, 'a', 4, 5, 6, 'b']);
    assert.deepEqual(spreadAmong([1, 2], []), [1, 2]);
    assert.deepEqual(spreadAmong<string>([], ['a']), ['a']);
    assert.equal(spreadAmong<number | string>(Array.from({ length: 1264 }, (_, i) => i), Array.from({ length: 102 }, (_, i) => `k${i}`)).length, 1366);
  });
});

/** The rows as an async stream, counting how many were read. */
function counted<R>(list: R[]): { rows: AsyncIterable<R>; read: () => number } {
  let read = 0;
  return {
    rows: (async function* () {
      for (const r of list) {
        read++;
        yield r;
      }
    })(),
    read: () => read,
  };
}

const byId = (r: { EventId: string }) => r.EventId;
const events = (n: number) => Array.from({ length: n }, (_, i) => ({ EventId: String(100000 + i), x: String(i) }));

describe('chooseLiveRows', () => {
  it('takes the liveLimit rows of smallest id hash, in file order, spread over the file rather than its head', async () => {
    const rows = events(5000);
    const live = await chooseLiveRows(counted(rows).rows, byId, { liveLimit: 200 });
    const rank = new Map(rows.map((r) => [r.EventId, liveRank(r.EventId)]));
    const expected = [...rows].sort((a, b) => rank.get(a.EventId)! - rank.get(b.EventId)!).slice(0, 200).map((r) => Number(r.x)).sort((a, b) => a - b);
    assert.deepEqual(live.map((r) => Number(r.x)), expected);
    assert.notDeepEqual(live.map((r) => r.EventId), rows.slice(0, 200).map((r) => r.EventId));
    // Every fifth of the file gives some of the sample.
    for (let q = 0; q < 5; q++) assert.ok(live.some((r) => Number(r.x) >= q * 1000 && Number(r.x) < (q + 1) * 1000), `nothing from fifth ${q}`);
  });

  it('is deterministic and depends on the ids, not on their order', async () => {
    const rows = events(3000);
    const a = await chooseLiveRows(counted(rows).rows, byId, { liveLimit: 77 });
    const b = await chooseLiveRows(counted([...rows].reverse()).rows, byId, { liveLimit: 77 });
    assert.equal(a.length, 77);
    assert.deepEqual(a.map((r) => r.EventId), b.map((r) => r.EventId).reverse());
  });

  it('keeps every row when the file has no more than liveLimit, and the head with maxLive', async () => {
    const rows = events(30);
    assert.deepEqual(await chooseLiveRows(counted(rows).rows, byId, { liveLimit: 30 }), rows);
    assert.deepEqual(await chooseLiveRows(counted(rows).rows, byId, {}), rows);
    const head = counted(rows);
    assert.deepEqual(await chooseLiveRows(head.rows, byId, { maxLive: 4 }), rows.slice(0, 4));
    assert.ok(head.read() <= 5, `read ${head.read()} rows for 4`);
  });
});

describe('takeTrainRows', () => {
  const labelled = (n: number, cls: (i: number) => string) => Array.from({ length: n }, (_, i) => ({ EventId: String(i), Label: cls(i) }));

  it('takes up to perClass rows of each class outside the evaluation split, and stops reading once all are found', async () => {
    const train = labelled(20000, (i) => (i % 3 === 0 ? 's' : 'b'));
    const src = counted(train);
    const taken = await takeTrainRows(src.rows, 'EventId', 'Label', ['s', 'b'], 40);
    assert.equal(taken.filter((r) => r.Label === 's').length, 40);
    assert.equal(taken.filter((r) => r.Label === 'b').length, 40);
    assert.ok(taken.every((r) => !isEvaluationRow(r.EventId)));
    assert.ok(src.read() < 1000, `read ${src.read()} rows`);
    // The same rows as filtering the whole file first, then capping per class in file order.
    const whole = train.filter((r) => !isEvaluationRow(r.EventId));
    const expected = ['s', 'b'].flatMap((c) => whole.filter((r) => r.Label === c).slice(0, 40));
    assert.deepEqual(new Set(taken.map((r) => r.EventId)), new Set(expected.map((r) => r.EventId)));
  });

  it('uses every row of a class with few rows (reading the whole file), and gold and known still split them', async () => {
    const train = labelled(600, (i) => (i === 17 || i === 450 || i === 598 ? 's' : 'b'));
    const src = counted(train);
    const taken = await takeTrainRows(src.rows, 'EventId', 'Label', ['s', 'b'], 9);
    assert.equal(src.read(), 600);
    const rare = train.filter((r) => r.Label === 's' && !isEvaluationRow(r.EventId));
    assert.deepEqual(taken.filter((r) => r.Label === 's'), rare);
    const { gold, known } = splitGoldAndKnown(taken, 'Label', ['s', 'b'], 6, 3);
    assert.equal(gold.length + known.length, 9 + rare.length);
    assert.ok(gold.some((r) => r.Label === 's'));
  });
});

describe('streamCsvRecords', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-setup-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a gzip file and a plain one as the same records, and can stop early', async () => {
    const text = '\uFEFFEventId,DER_mass_MMC,PRI_jet_num\r\n' + Array.from({ length: 5000 }, (_, i) => `${i},${i === 3 ? -999 : 100 + i / 10},${i % 4}`).join('\r\n') + '\r\n';
    fs.writeFileSync(path.join(dir, 'test.csv'), text);
    fs.writeFileSync(path.join(dir, 'test.csv.gz'), zlib.gzipSync(text));
    const all = async (f: string) => {
      const out: Record<string, string>[] = [];
      for await (const r of streamCsvRecords(path.join(dir, f))) out.push(r);
      return out;
    };
    const gz = await all('test.csv.gz');
    assert.equal(gz.length, 5000);
    assert.deepEqual(gz[3], { EventId: '3', DER_mass_MMC: '-999', PRI_jet_num: '3' });
    assert.deepEqual(await all('test.csv'), gz);
    let n = 0;
    for await (const r of streamCsvRecords(path.join(dir, 'test.csv.gz'))) if (++n === 2) { assert.equal(r.EventId, '1'); break; }
  });

  it('fails with the parser error on a file that is not CSV gzip', async () => {
    fs.writeFileSync(path.join(dir, 'bad.csv.gz'), Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('not gzip at all')]));
    await assert.rejects(async () => {
      for await (const r of streamCsvRecords(path.join(dir, 'bad.csv.gz'))) void r;
    });
  });
});
