/* floe dashboard: a plain browser ES module (no build step). Reads /api/v1/dashboard, draws with uPlot. */
/* global document, window, sessionStorage, ResizeObserver, uPlot */

const KEY_STORAGE = 'floe.apiKey';
const CHART_HEIGHT = 190;

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
};

// ------------------------------------------------------------------ formatting (viewer's zone)

const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
const offsetName = (() => {
  try {
    const part = new Intl.DateTimeFormat(undefined, { timeZoneName: 'shortOffset' })
      .formatToParts(new Date())
      .find((p) => p.type === 'timeZoneName');
    return part ? part.value : '';
  } catch {
    return '';
  }
})();
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const numFmt = new Intl.NumberFormat();
const rateFmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

function formatTime(ms) {
  const d = new Date(ms);
  return new Date().toDateString() === d.toDateString() ? timeFmt.format(d) : dateTimeFmt.format(d);
}

function formatDuration(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** datetime-local value (viewer's zone) ⇄ epoch ms. */
function toLocalInput(ms) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// ------------------------------------------------------------------ state and data

const state = {
  table: new URLSearchParams(window.location.search).get('table') || '',
  range: '3600000',
  from: null,
  to: null,
  live: true,
  timer: null,
  refreshMs: 5000,
  inFlight: false,
  tablesShown: '',
};

async function load() {
  if (state.inFlight) return;
  state.inFlight = true;
  try {
    const now = Date.now();
    const params = new URLSearchParams();
    if (state.table) params.set('table', state.table);
    if (state.range === 'custom') {
      if (state.from !== null) params.set('from', String(state.from));
      if (state.to !== null) params.set('to', String(state.to));
    } else {
      params.set('from', String(now - Number(state.range)));
      params.set('to', String(now));
    }
    // About one point per 3 pixels: commits are bursts, finer points only draw spikes.
    const width = $('throughput').getBoundingClientRect().width || 600;
    params.set('points', String(Math.min(2000, Math.max(10, Math.round(width / 3)))));
    const headers = { Accept: 'application/json' };
    const key = sessionStorage.getItem(KEY_STORAGE);
    if (key) headers['X-API-Key'] = key;
    const res = await fetch(`/api/v1/dashboard?${params}`, { headers, cache: 'no-store' });
    if (res.status === 401 || res.status === 403) {
      askForKey(key !== null);
      return;
    }
    if (res.status === 404 && state.table) {
      // A bookmarked ?table= that this consumer does not write: fall back to all tables.
      state.inFlight = false;
      selectTable('');
      return;
    }
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      throw new Error(body.error || `HTTP ${res.status}`);
    }
    const data = await res.json();
    render(data);
    showError(null);
  } catch (err) {
    showError(`Could not load dashboard data: ${err.message}`);
    setStatus('unreachable', 'bad');
  } finally {
    state.inFlight = false;
  }
}

function showError(text) {
  const box = $('error');
  box.hidden = text === null;
  box.textContent = text || '';
}

function setStatus(text, kind) {
  const s = $('status');
  s.textContent = text;
  s.className = `pill ${kind}`;
}

function askForKey(rejected) {
  const dialog = $('auth');
  dialog.querySelector('p').textContent = rejected
    ? 'The API key was not accepted. Enter a valid key (kept in this tab only).'
    : 'This server asks for an API key. It is kept in this tab only (session storage).';
  setStatus('API key needed', 'bad');
  if (!dialog.open) dialog.showModal();
  $('key').focus();
}

// ------------------------------------------------------------------ rendering

function render(data) {
  setStatus(`${data.state}${data.healthy ? '' : ' · unhealthy'}`, data.healthy ? 'ok' : 'bad');
  $('updated').textContent = `updated ${timeFmt.format(new Date(data.now))}`;
  state.refreshMs = Math.min(5000, Math.max(1000, data.intervalMs));
  renderTableOptions(data.tables);
  renderTiles(data);
  renderCharts(data);
  renderCommits(data.commits);
  renderRules(data);
  scheduleRefresh();
}

function renderTableOptions(tables) {
  const key = tables.join('\n');
  if (key === state.tablesShown) return;
  state.tablesShown = key;
  const select = $('table');
  select.replaceChildren(el('option', { value: '', text: 'All tables' }));
  for (const t of tables) select.append(el('option', { value: t, text: t }));
  select.value = tables.includes(state.table) ? state.table : '';
}

function renderTiles(data) {
  const list = $('tiles');
  list.replaceChildren();
  for (const t of data.freshness) {
    const stale = t.freshnessMs !== null && t.freshnessMs > 10 * 60 * 1000;
    const cls = ['tile', t.healthy ? '' : 'unhealthy', stale ? 'stale' : ''].filter(Boolean).join(' ');
    const when = t.lastCommitAtMs ? `last commit ${formatTime(t.lastCommitAtMs)}` : 'no commit yet';
    const counts = `${numFmt.format(t.recordsWritten)} written · ${numFmt.format(t.recordsRejected)} rejected`;
    const button = el(
      'button',
      {
        type: 'button',
        class: cls,
        'aria-pressed': String(state.table === t.table),
        'data-table': t.table,
        title: t.healthy ? `Show ${t.table} only` : `${t.table}: ${t.reason || 'unhealthy'}`,
      },
      el('span', { class: 'name', text: t.table }),
      el('span', { class: 'stream', text: t.stream ? `stream ${t.stream}` : '' }),
      el('span', { class: 'value', text: t.freshnessMs === null ? '–' : formatDuration(t.freshnessMs) }),
      el('span', { class: 'label', text: 'freshness' }),
      el('span', { class: 'detail', text: `lag ${formatDuration(t.lagMs)} · ${when}` }),
      el('span', { class: 'detail', text: counts }),
    );
    button.addEventListener('click', () => selectTable(state.table === t.table ? '' : t.table));
    list.append(el('li', {}, button));
  }
}

const charts = { throughput: null, lag: null };

function chartWidth(container) {
  return Math.max(300, Math.floor(container.getBoundingClientRect().width));
}

function makeChart(container, series, yLabel, data) {
  const opts = {
    width: chartWidth(container),
    height: CHART_HEIGHT,
    ms: 1,
    cursor: { drag: { x: false, y: false } },
    // Labels only: live values would read "–" whenever the pointer is off the chart.
    legend: { live: false },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [
      { stroke: '#667085', grid: { stroke: '#eef1f5' }, ticks: { stroke: '#e3e7ee' } },
      {
        stroke: '#667085',
        grid: { stroke: '#eef1f5' },
        ticks: { stroke: '#e3e7ee' },
        label: yLabel,
        labelSize: 22,
        labelGap: 4,
        size: 64,
      },
    ],
    series: [{ label: 'Time', value: (_u, v) => (v === null ? '–' : formatTime(v)) }, ...series],
  };
  container.replaceChildren();
  return new uPlot(opts, data, container);
}

function lineSeries(label, color, fmt) {
  return {
    label,
    stroke: color,
    width: 2,
    fill: `${color}14`,
    spanGaps: false,
    points: { show: false },
    value: (_u, v) => (v === null || v === undefined ? '–' : fmt(v)),
  };
}

function countPoints(arrays) {
  let n = 0;
  for (let i = 0; i < arrays[0].length; i++) if (arrays.some((a) => a[i] !== null)) n++;
  return n;
}

function renderCharts(data) {
  const s = data.series;
  // Read first so that Written, usually equal to it, is drawn on top rather than hidden.
  const tp = [s.time, s.readPerSec, s.writtenPerSec, s.rejectedPerSec];
  const toSec = (a) => a.map((v) => (v === null ? null : v / 1000));
  const lag = [s.time, toSec(s.lagMs), toSec(s.freshnessMs)];
  const tpBox = $('throughput');
  const lagBox = $('lag');
  // Exposed for tests and for a quick look from the console.
  tpBox.dataset.points = String(countPoints(tp.slice(1)));
  tpBox.dataset.nonzero = String(s.writtenPerSec.filter((v) => v !== null && v > 0).length);
  lagBox.dataset.points = String(countPoints(lag.slice(1)));
  const rate = (v) => `${rateFmt.format(v)}/s`;
  const secs = (v) => formatDuration(v * 1000);
  if (!charts.throughput) {
    charts.throughput = makeChart(
      tpBox,
      [
        lineSeries('Read', '#94a3b8', rate),
        lineSeries('Written', '#2563eb', rate),
        lineSeries('Rejected', '#dc2626', rate),
      ],
      'records/s',
      tp,
    );
    charts.lag = makeChart(
      lagBox,
      [lineSeries('Lag (behind latest)', '#7c3aed', secs), lineSeries('Freshness', '#d97706', secs)],
      'seconds',
      lag,
    );
  } else {
    charts.throughput.setData(tp);
    charts.lag.setData(lag);
  }
  const [from, to] = [data.from, data.to];
  charts.throughput.setScale('x', { min: from, max: to });
  charts.lag.setScale('x', { min: from, max: to });
  window.floeDashboard = { data, throughput: charts.throughput.data, lag: charts.lag.data };
}

function renderCommits(commits) {
  const body = $('commits').querySelector('tbody');
  body.replaceChildren();
  $('commits-count').textContent = commits.length ? `${commits.length} in range` : '';
  if (commits.length === 0) {
    body.append(el('tr', {}, el('td', { colspan: '8', class: 'empty', text: 'No commits in this range' })));
    return;
  }
  for (const c of commits) {
    const failed = c.status === 'failed';
    const row = el(
      'tr',
      {
        class: failed ? 'failed' : '',
        'data-snapshot-id': c.snapshotId,
        ...(failed ? { title: c.error } : {}),
      },
      el('td', { text: formatTime(c.atMs) }),
      el('td', { text: c.table }),
      el('td', { class: 'snap', text: failed ? `${c.snapshotId} (failed)` : c.snapshotId }),
      el('td', { class: 'num', text: numFmt.format(c.dataFiles) }),
      el('td', { class: 'num', text: numFmt.format(c.records.written) }),
      el('td', { class: 'num', text: numFmt.format(c.records.rejected) }),
      el('td', { class: 'num', text: numFmt.format(c.records.deduped) }),
      el('td', { class: 'num', text: c.durationMs === null ? '–' : formatDuration(c.durationMs) }),
    );
    body.append(row);
  }
}

function renderRules(data) {
  const list = $('rules');
  list.replaceChildren();
  $('rules-since').textContent = `since ${formatTime(data.startedAtMs)}`;
  if (data.rejectedByRule.length === 0) {
    list.append(el('li', {}, el('span', { class: 'none', text: 'No rejected records' })));
    return;
  }
  const max = data.rejectedByRule[0].count;
  for (const r of data.rejectedByRule) {
    const fill = el('div', { class: 'fill' });
    // CSSOM, not a style attribute: allowed by the page's CSP (style-src 'self').
    fill.style.width = `${Math.max(2, (100 * r.count) / max)}%`;
    list.append(
      el(
        'li',
        { 'data-rule': r.rule },
        el('span', { class: 'rule', text: r.rule, title: r.rule }),
        el('span', { class: 'count', text: numFmt.format(r.count) }),
        el('div', { class: 'track', role: 'presentation' }, fill),
      ),
    );
  }
}

// ------------------------------------------------------------------ controls

function scheduleRefresh() {
  window.clearTimeout(state.timer);
  if (state.live) state.timer = window.setTimeout(load, state.refreshMs);
}

function selectTable(table) {
  state.table = table;
  $('table').value = table;
  const url = new URL(window.location.href);
  if (table) url.searchParams.set('table', table);
  else url.searchParams.delete('table');
  window.history.replaceState(null, '', url);
  load();
}

function init() {
  $('tz').textContent = offsetName ? `${zone} (${offsetName})` : zone;
  $('table').addEventListener('change', (e) => selectTable(e.target.value));
  $('range').addEventListener('change', (e) => {
    state.range = e.target.value;
    const custom = state.range === 'custom';
    $('custom').hidden = !custom;
    if (custom) {
      const now = Date.now();
      state.from = now - 60 * 60 * 1000;
      state.to = now;
      $('from').value = toLocalInput(state.from);
      $('to').value = toLocalInput(state.to);
    }
    load();
  });
  $('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    const from = $('from').value ? new Date($('from').value).getTime() : null;
    const to = $('to').value ? new Date($('to').value).getTime() : null;
    if (from !== null && to !== null && from > to) {
      showError('The start of the range is after its end.');
      return;
    }
    state.from = from;
    state.to = to;
    load();
  });
  $('live').addEventListener('change', (e) => {
    state.live = e.target.checked;
    if (state.live) load();
    else window.clearTimeout(state.timer);
  });
  $('auth-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(KEY_STORAGE, $('key').value.trim());
    $('key').value = '';
    $('auth').close();
    load();
  });
  const resize = () => {
    for (const [id, chart] of Object.entries(charts)) {
      if (chart) chart.setSize({ width: chartWidth($(id)), height: CHART_HEIGHT });
    }
  };
  new ResizeObserver(resize).observe(document.querySelector('main'));
  load();
}

init();
