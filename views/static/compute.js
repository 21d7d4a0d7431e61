// The Compute page (issue 14): asks Sift for work units, runs each in a Web Worker
// (/compute/assets/worker.js), reports the result, and keeps the history, hosts and credit current.
'use strict';
(() => {
  const root = document.getElementById('compute');
  if (!root || !root.dataset.worker) return;
  const urls = { worker: root.dataset.worker, tf: root.dataset.tf, wasmBackend: root.dataset.wasmBackend, wasmDir: root.dataset.wasmDir, runner: root.dataset.runner };
  const csrf = root.dataset.csrf;
  const $ = (sel) => root.querySelector(sel);
  const startButton = $('[data-testid="compute-start"]');
  const stopButton = $('[data-testid="compute-stop"]');
  const threadsInput = $('#compute-threads');
  const pauseInput = $('#compute-pause');
  const visibleInput = $('#compute-visible');
  const statusLine = $('[data-testid="compute-status"]');
  const slotsList = $('[data-testid="compute-slots"]');
  const RETRY_MS = 15_000;

  threadsInput.max = String(Math.max(1, navigator.hardwareConcurrency || 1));
  const settingsKey = 'sift-compute-settings';
  try {
    const saved = JSON.parse(localStorage.getItem(settingsKey) || '{}');
    if (saved.threads) threadsInput.value = String(Math.min(Number(threadsInput.max), saved.threads));
    if (saved.pause !== undefined) pauseInput.value = String(saved.pause);
    if (saved.onlyVisible !== undefined) visibleInput.checked = !!saved.onlyVisible;
  } catch { /* settings are a convenience */ }
  const saveSettings = () => localStorage.setItem(settingsKey, JSON.stringify({ threads: Number(threadsInput.value), pause: Number(pauseInput.value), onlyVisible: visibleInput.checked }));
  for (const input of [threadsInput, pauseInput, visibleInput]) input.addEventListener('change', saveSettings);

  /** One browser is one host: a random key kept in localStorage. */
  function hostKey() {
    let key = localStorage.getItem('sift-compute-host');
    if (!key || !/^[A-Za-z0-9_-]{8,64}$/.test(key)) {
      const bytes = crypto.getRandomValues(new Uint8Array(18));
      key = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      localStorage.setItem('sift-compute-host', key);
    }
    return key;
  }
  const host = { key: hostKey(), platform: `${navigator.platform || 'unknown platform'}, ${navigator.hardwareConcurrency || '?'} cores; ${navigator.userAgent}`.slice(0, 200), backend: 'wasm' };

  async function api(method, path, body, type = 'application/json') {
    const res = await fetch(path, { method, credentials: 'same-origin', headers: { Accept: 'application/json', 'x-csrf-token': csrf, ...(body ? { 'Content-Type': type } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const json = await res.json().catch(() => null);
    if (!res.ok) throw new Error(json?.error?.message || `${method} ${path} answered ${res.status}`);
    return json;
  }

  let running = false;
  let slots = [];
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const say = (text) => (statusLine.textContent = text);
  const visibleEnough = () => !visibleInput.checked || document.visibilityState === 'visible';
  let wakeVisible = [];
  document.addEventListener('visibilitychange', () => {
    if (visibleEnough()) for (const w of wakeVisible.splice(0)) w();
    else if (running) say('Paused: this tab is hidden. The units being run finish; new ones wait until you come back.');
  });
  visibleInput.addEventListener('change', () => visibleEnough() && wakeVisible.splice(0).forEach((w) => w()));
  const untilVisible = () => (visibleEnough() ? Promise.resolve() : new Promise((r) => wakeVisible.push(r)));

  function slotView(i) {
    const li = document.createElement('li');
    li.dataset.testid = 'compute-slot';
    li.innerHTML = `<span class="slot-name">Worker ${i + 1}</span> <progress max="1" value="0"></progress> <span class="slot-text">starting…</span>`;
    slotsList.append(li);
    return { li, bar: li.querySelector('progress'), text: li.querySelector('.slot-text') };
  }

  /** A worker ready to run units: TensorFlow.js loaded and its backend started. */
  function startWorker() {
    const worker = new Worker(urls.worker);
    let pending = null;
    let onProgress = () => {};
    worker.onmessage = (e) => {
      const m = e.data;
      if (m.type === 'progress') return onProgress(m);
      const p = pending;
      pending = null;
      if (!p) return;
      if (m.type === 'error') p.reject(new Error(m.message));
      else p.resolve(m);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      pending?.reject(new Error(e.message || 'the worker failed'));
      pending = null;
    };
    const ask = (msg, progress) => new Promise((resolve, reject) => {
      pending = { resolve, reject };
      onProgress = progress || (() => {});
      worker.postMessage(msg);
    });
    return { worker, ask, init: () => ask({ type: 'init', urls }) };
  }

  async function slotLoop(slot) {
    const w = startWorker();
    slot.worker = w.worker;
    slot.text.textContent = 'loading TensorFlow.js…';
    const { backend } = await w.init();
    host.backend = backend;
    while (running) {
      await untilVisible();
      if (!running) break;
      slot.text.textContent = 'asking for a unit…';
      let answer;
      try {
        answer = await api('POST', '/compute/work', { host });
      } catch (err) {
        slot.text.textContent = `could not get work: ${err.message}`;
        await sleep(RETRY_MS);
        continue;
      }
      if (!answer.unit) {
        slot.bar.value = 0;
        slot.text.textContent = answer.reason;
        await sleep(RETRY_MS);
        continue;
      }
      const unit = answer.unit;
      slot.current = unit.resultId;
      const label = `${unit.challenge}, configuration ${unit.configuration + 1}, fold ${unit.fold + 1}`;
      slot.li.dataset.resultId = String(unit.resultId);
      slot.text.textContent = `${label}: fetching the data…`;
      slot.bar.value = 0;
      try {
        const done = await w.ask({ type: 'run', unit }, (p) => {
          slot.bar.value = p.epoch / p.maxEpochs;
          slot.text.textContent = `${label}: epoch ${p.epoch} of at most ${p.maxEpochs}`;
        });
        slot.current = null;
        if (!running && slot.stopped) break;
        const reply = await api('POST', `/compute/results/${unit.resultId}`, done.body, 'application/vnd.sift.compute-result+json');
        slot.bar.value = 1;
        slot.text.textContent = `${label}: done in ${done.seconds.toFixed(0)} s (${done.epochsRun} epochs), ${reply.state.replace(/_/g, ' ')}`;
      } catch (err) {
        slot.current = null;
        if (slot.stopped) break;
        slot.text.textContent = `${label}: ${err.message}`;
        await api('POST', `/compute/results/${unit.resultId}`, { error: String(err.message).slice(0, 2000) }).catch(() => {});
      }
      refresh();
      const pause = Math.max(0, Number(pauseInput.value) || 0) * 1000;
      if (running && pause) {
        slot.text.textContent += ' · pausing';
        await sleep(pause);
      }
    }
  }

  function start() {
    if (running) return;
    running = true;
    saveSettings();
    startButton.hidden = true;
    stopButton.hidden = false;
    slotsList.textContent = '';
    const n = Math.max(1, Math.min(Number(threadsInput.max), Number(threadsInput.value) || 1));
    slots = Array.from({ length: n }, (_, i) => slotView(i));
    say(`Computing with ${n} worker${n === 1 ? '' : 's'}.`);
    root.dataset.state = 'running';
    for (const slot of slots) {
      slotLoop(slot).catch((err) => {
        slot.text.textContent = `stopped: ${err.message}`;
        slot.worker?.terminate();
      });
    }
  }

  async function stop() {
    running = false;
    root.dataset.state = 'stopped';
    startButton.hidden = false;
    stopButton.hidden = true;
    wakeVisible.splice(0).forEach((w) => w());
    // A unit left half done goes back at once, not after its deadline.
    await Promise.all(slots.map(async (slot) => {
      slot.stopped = true;
      slot.worker?.terminate();
      if (slot.current) await api('POST', `/compute/results/${slot.current}`, { error: 'Stopped by the volunteer before the unit finished.' }).catch(() => {});
      slot.text.textContent = 'stopped';
    }));
    say('Stopped.');
    refresh();
  }

  const STATUS = { in_progress: 'in progress', pending_validation: 'pending validation', valid: 'valid', invalid: 'invalid', error: 'error', timed_out: 'timed out' };
  const cell = (text) => {
    const td = document.createElement('td');
    td.textContent = text;
    return td;
  };
  // As the server writes credit (src/compute/page-routes.ts creditText): small units earn tiny amounts.
  const fmt = (v) => (typeof v !== 'number' ? '—' : v === 0 ? '0' : v >= 100 ? v.toFixed(0) : v >= 0.01 ? v.toFixed(2) : v.toPrecision(3));

  async function refresh() {
    try {
      const [mine, hosts] = await Promise.all([api('GET', '/compute/units'), api('GET', '/compute/hosts')]);
      $('[data-testid="compute-total"]').textContent = fmt(mine.credit.total);
      $('[data-testid="compute-rac"]').textContent = fmt(mine.credit.rac);
      const units = $('[data-testid="compute-units"] tbody');
      units.textContent = '';
      for (const u of mine.units) {
        const tr = document.createElement('tr');
        tr.dataset.status = u.status;
        tr.append(cell(u.challenge), cell(`${u.configuration + 1}`), cell(`${u.fold + 1}`), cell(STATUS[u.status] ?? u.status), cell(fmt(u.credit)), cell(new Date(u.sentAt).toLocaleString()));
        units.append(tr);
      }
      $('[data-testid="compute-units-empty"]').hidden = mine.units.length > 0;
      const hostRows = $('[data-testid="compute-hosts"] tbody');
      hostRows.textContent = '';
      for (const h of hosts.hosts) {
        const tr = document.createElement('tr');
        tr.append(cell(h.key === host.key ? `${h.platform} (this browser)` : h.platform), cell(h.backend), cell(String(h.validResults)), cell(`${(h.invalidRate * 100).toFixed(0)}%`), cell(`${(h.errorRate * 100).toFixed(0)}%`), cell(fmt(h.credit)));
        hostRows.append(tr);
      }
      $('[data-testid="compute-hosts-empty"]').hidden = hosts.hosts.length > 0;
    } catch { /* the next unit refreshes again */ }
  }

  startButton.addEventListener('click', start);
  stopButton.addEventListener('click', stop);
  root.dataset.state = 'stopped';
})();
