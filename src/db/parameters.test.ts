import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../paths.js';

interface DatabaseParameter {
  file: string;
  name: string;
  type: string;
  /** The function it belongs to, with its line. */
  where: string;
  /** For a DbHandle: whether the function reads the dialect, opens a transaction or passes the handle on. */
  usesHandle: boolean;
}

/**
 * Whether a function body needs its `DbHandle` parameter rather than its `db`: it reads `.dialect`,
 * calls `.destroy()`, opens a transaction (`handle.db.transaction()`, also through a local alias of
 * `handle.db`), or passes the handle itself on.
 */
function needsHandle(body: ts.Node, name: string): boolean {
  const aliases = new Set<string>();
  let needs = false;
  const visit = (node: ts.Node) => {
    if (ts.isIdentifier(node) && node.text === name && !(ts.isPropertyAccessExpression(node.parent) && node.parent.name === node)) {
      const parent = node.parent;
      if (ts.isPropertyAccessExpression(parent) && parent.expression === node) {
        const prop = parent.name.text;
        if (prop === 'dialect' || prop === 'destroy') needs = true;
        else if (prop === 'db') {
          const outer = parent.parent;
          if (ts.isPropertyAccessExpression(outer) && outer.name.text === 'transaction') needs = true;
          if (ts.isVariableDeclaration(outer) && ts.isIdentifier(outer.name)) aliases.add(outer.name.text);
        } else needs = true;
      } else needs = true;
    }
    if (ts.isPropertyAccessExpression(node) && node.name.text === 'transaction' && ts.isIdentifier(node.expression) && aliases.has(node.expression.text)) needs = true;
    ts.forEachChild(node, visit);
  };
  visit(body);
  return needs;
}

/** Every parameter in src/ typed with the database types. */
function databaseParameters(): DatabaseParameter[] {
  const found: DatabaseParameter[] = [];
  const walkDir = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walkDir(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) {
        const source = ts.createSourceFile(full, fs.readFileSync(full, 'utf8'), ts.ScriptTarget.Latest, true);
        const visit = (node: ts.Node) => {
          if (ts.isParameter(node) && node.type && ts.isIdentifier(node.name)) {
            const type = node.type.getText(source);
            if (/\b(Db|DbHandle)\b|Transaction<Database>/.test(type)) {
              const fn = node.parent;
              const fnName = 'name' in fn && fn.name ? (fn.name as ts.Node).getText(source) : ts.isVariableDeclaration(fn.parent) ? fn.parent.name.getText(source) : '(anonymous)';
              const where = `${fnName}:${source.getLineAndCharacterOfPosition(fn.getStart(source)).line + 1}`;
              // A constructor's parameter property is the object's, used by its methods.
              const property = !!ts.getModifiers(node)?.length;
              const body = 'body' in fn ? (fn.body as ts.Node | undefined) : undefined;
              const usesHandle = type === 'DbHandle' && (property || !body || needsHandle(body, node.name.text));
              found.push({ file: path.relative(repoRoot, full), name: node.name.text, type, where, usesHandle });
            }
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
    assert.ok(params.filter((p) => p.type === 'DbHandle').length > 20);
  });

  it('repos take a Db or a transaction, never the handle', () => {
    assert.deepEqual(params.filter((p) => path.basename(p.file) === 'repo.ts' && /\bDbHandle\b/.test(p.type)), []);
  });

  it('nothing takes Db | DbHandle and checks at run time which it got', () => {
    assert.deepEqual(params.filter((p) => /\bDb\b/.test(p.type) && /\bDbHandle\b/.test(p.type)), []);
  });

  it('takes a DbHandle only to read the dialect, open a transaction or pass it on; a Db otherwise', () => {
    assert.deepEqual(params.filter((p) => p.type === 'DbHandle' && !p.usesHandle).map((p) => `${p.file} ${p.where}`), []);
  });

  it('names a Db db, a transaction tx and a DbHandle handle', () => {
    const expected = (type: string) => (type === 'DbHandle' ? 'handle' : type === 'Transaction<Database>' ? 'tx' : /^Db\b/.test(type) ? 'db' : null);
    assert.deepEqual(params.filter((p) => expected(p.type) !== null && expected(p.type) !== p.name), []);
  });
});
