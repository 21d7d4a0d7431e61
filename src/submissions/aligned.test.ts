import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readAligned, writeAligned } from './aligned.js';

describe('aligned prediction arrays kept beside an accepted upload', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-aligned-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'x.csv.aligned');

  it('reads back exactly what was written (labels, ranks, probabilities), views of larger buffers included', async () => {
    const backing = new Int32Array([9, 2, 0, 1, 9]);
    const label = backing.subarray(1, 4);
    const proba = Float64Array.from([0.1, 0.9, 0.5, 0.5, 1 / 3, 2 / 3]);
    await writeAligned(file, 'abc', { label, rank: Int32Array.from([3, 1, 2]), proba });
    const back = await readAligned(file, 'abc', 3);
    assert.deepEqual(Array.from(back!.label), [2, 0, 1]);
    assert.deepEqual(Array.from(back!.rank!), [3, 1, 2]);
    assert.deepEqual(Array.from(back!.proba!), Array.from(proba));
  });

  it('gives nothing for another solution, another row count, a damaged file or no file', async () => {
    await writeAligned(file, 'abc', { label: Int32Array.from([1, 2, 3]) });
    assert.equal(await readAligned(file, 'other', 3), null);
    assert.equal(await readAligned(file, 'abc', 4), null);
    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, -2));
    assert.equal(await readAligned(file, 'abc', 3), null);
    fs.writeFileSync(file, 'not json\n');
    assert.equal(await readAligned(file, 'abc', 3), null);
    assert.equal(await readAligned(path.join(dir, 'missing'), 'abc', 3), null);
  });
});
