import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { writeChallengeYaml } from './setup.js';

describe('writeChallengeYaml', () => {
  it("keeps the file's crowd: section across a settings save, which does not carry one", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-yaml-'));
    try {
      const crowd = { classes: [{ name: 's', display: 'Higgs signal', key: 's' }] };
      writeChallengeYaml(dir, { title: 'First', crowd });
      writeChallengeYaml(dir, { title: 'Second' });
      const doc = parse(fs.readFileSync(path.join(dir, 'challenge.yaml'), 'utf8'));
      assert.equal(doc.title, 'Second');
      assert.deepEqual(doc.crowd, crowd);
      // A save that brings its own section replaces it.
      writeChallengeYaml(dir, { title: 'Third', crowd: { classes: [] } });
      assert.deepEqual(parse(fs.readFileSync(path.join(dir, 'challenge.yaml'), 'utf8')).crowd, { classes: [] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
