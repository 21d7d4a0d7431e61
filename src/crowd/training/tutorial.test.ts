import assert from 'node:assert/strict';
import { parseCrowdConfig, type CrowdConfig } from '../display/schema.js';
import { seenWorkflows, tutorialSteps, withSeenWorkflow } from './tutorial.js';

function config(raw: unknown): CrowdConfig {
  const r = parseCrowdConfig(raw);
  assert.ok(r.ok, r.ok ? '' : r.problems.join('\n'));
  return r.config;
}
const WF = { title: 'HiggsML', classes: ['b', 's'], clues: { s: 'a Higgs boson decaying to two taus' }, promoteCorrect: 4, promoteWindow: 5, promoteEachClass: true };

describe('crowd/training/tutorial', () => {
  it('builds a default from the configuration: plots, feature groups, classes with their display names and texts', () => {
    const steps = tutorialSteps(config({ plots: [{ kind: 'event' }, { kind: 'histograms', columns: ['x'] }], features: [{ label: 'Derived', columns: [{ column: 'x' }] }], classes: [{ name: 's', display: 'Higgs signal' }, { name: 'b', display: 'Background' }] }), WF);
    assert.deepEqual(steps.map((s) => s.title), ['What a subject page shows', 'The classes', 'How training works']);
    assert.match(steps[0].paragraphs[0], /an event display/);
    assert.match(steps[0].paragraphs[0], /training examples of each class/);
    assert.match(steps[0].paragraphs[0], /grouped as “Derived”/);
    assert.deepEqual(steps[1].items, ['Background (b)', 'Higgs signal (s): a Higgs boson decaying to two taus']);
    assert.match(steps[2].paragraphs.join(' '), /Once 4 of your last 5 training answers are right, with at least one right in every class, you move on to live subjects/);
  });

  it('takes the configured steps, paragraphs split at blank lines, and still ends with training from the workflow’s rule', () => {
    const steps = tutorialSteps(config({ tutorial: [{ title: 'Look', text: 'First line\ncontinues.\n\nSecond paragraph.' }] }), { ...WF, promoteCorrect: 3, promoteEachClass: false });
    assert.deepEqual(steps[0], { title: 'Look', paragraphs: ['First line continues.', 'Second paragraph.'], items: [] });
    assert.equal(steps.length, 2);
    assert.match(steps[1].paragraphs.join(' '), /Once 3 of your last 5 training answers are right, you move on/);
    const off = tutorialSteps(config({}), { ...WF, promoteWindow: 0 });
    assert.doesNotMatch(off[off.length - 1].paragraphs.join(' '), /last/);
  });

  it('remembers seen workflows in one cookie, ignoring junk', () => {
    assert.deepEqual(seenWorkflows(undefined), []);
    assert.deepEqual(seenWorkflows('3.x.12..<script>'), [3, 12]);
    assert.equal(withSeenWorkflow('3.12', 3), '12.3');
    assert.equal(withSeenWorkflow(undefined, 7), '7');
    const many = Array.from({ length: 120 }, (_, i) => i).join('.');
    assert.equal(seenWorkflows(withSeenWorkflow(many, 500)).length, 100);
  });
});
