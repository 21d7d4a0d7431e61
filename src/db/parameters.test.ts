import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../paths.js';

/** Every parameter in src/ typed with the database types, as [file, function parameter name, type text]. */
function databaseParameters(): Array<{ file: string; name: string; type: string }> {
  const found: Array<{ file: string; name: string; type: string }> = [];
  const walkDir = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walkDir(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) {
        const source = ts.createSourceFile(full, fs.readFileSync(full, 'utf8'), ts.ScriptTarget.Latest, true);
        const visit = (node: ts.Node) => {
          if (ts.isParameter(node) && node.type && ts.isIdentifier(node.name)) {
            const type = node.type.getText(source);
            if (/\b(Db|DbHandle)\b|Transaction<Database>/.test(type)) found.push({ file: path.relative(repoRoot, full), name: node.name.text, type });
          }
          ts.forEachChild(node, visit);
        };
        visit(source);
      }
    }
  };
  walkDir(path.join(repoRoot, 'src'));
  return found;
}

describe('the database parameter convention (src/db/index.ts)', () => {
  const params = databaseParameters();

  it('finds the parameters it checks', () => {
    assert.ok(params.filter((p) => p.type === 'Db').length > 50);
    assert.ok(params.filter((p) => p.type === 'DbHandle').length > 50);
  });

  it('repos take a Db or a transaction, never the handle', () => {
    assert.deepEqual(params.filter((p) => path.basename(p.file) === 'repo.ts' && /\bDbHandle\b/.test(p.type)), []);
  });

  it('nothing takes Db | DbHandle and checks at run time which it got', () => {
    assert.deepEqual(params.filter((p) => /\bDb\b/.test(p.type) && /\bDbHandle\b/.test(p.type)), []);
  });

  it('names a Db db, a transaction tx and a DbHandle handle', () => {
    const expected = (type: string) => (type === 'DbHandle' ? 'handle' : type === 'Transaction<Database>' ? 'tx' : /^Db\b/.test(type) ? 'db' : null);
    assert.deepEqual(params.filter((p) => expected(p.type) !== null && expected(p.type) !== p.name), []);
  });
});
