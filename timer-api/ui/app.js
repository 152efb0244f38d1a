// The dashboard: reads /ui/api/overview every 5 s and draws it, and the pages
// behind its links (#/timers, #/retries, #/timer/<id>) from the documented
// /timers endpoints. Plain DOM, no framework. Everything a client wrote (URLs, errors) is set as text, never as
// HTML. With API keys on the server, the key typed in is kept in sessionStorage
// (this tab only) and sent as a Bearer token; a 401 asks for it again.
(function () {
  'use strict';

  const KEY_ITEM = 'timer-service.api-key';
  const UTC_ITEM = 'timer-service.utc';
  const PAGE_SIZE = 50;
  const REFRESH_MS = 5000;
  const STATUSES = ['pending', 'firing', 'fired', 'failed', 'canceled', 'skipped'];
  const $ = (id) => document.getElementById(id);
  let timer = null;
  let loading = false;

  function headers() {
    const key = sessionStorage.getItem(KEY_ITEM);
    return key ? { Authorization: 'Bearer ' + key } : {};
  }

  /** Relative to /ui/, so the page also works behind a path prefix. A body is sent as JSON. */
  async function call(method, path, extra, json) {
    const res = await fetch(path, {
      method,
      headers: { ...headers(), ...extra, ...(json === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: json === undefined ? undefined : JSON.stringify(json),
      cache: 'no-store',
    });
    let body = null;
    try {
      body = await res.json();
    } catch {
      body = null;
    }
    return { status: res.status, body, etag: res.headers.get('ETag') };
  }

  const messageOf = (body, fallback) => (body && body.error && body.error.message) || fallback;

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function row(cells) {
    const tr = document.createElement('tr');
    for (const cell of cells) tr.append(cell instanceof Node ? cell : el('td', cell));
    return tr;
  }

  function fill(tableId, rows, columns, empty) {
    const tbody = $(tableId).tBodies[0];
    tbody.replaceChildren(...rows);
    if (rows.length === 0) {
      const td = el('td', empty, 'empty');
      td.colSpan = columns;
      tbody.append(row([td]));
    }
  }

  /** The URL without a password, if it carries one. */
  function safeUrl(raw) {
    try {
      const url = new URL(raw);
      if (url.password) url.password = '***';
      return url.href;
    } catch {
      return raw;
    }
  }

  function urlCell(raw) {
    const td = el('td', safeUrl(raw), 'url');
    td.title = safeUrl(raw);
    return td;
  }

  /** The id cut short, as a link to the timer's page (schedules have no page: plain text). */
  function idCell(id, linked = true) {
    const td = el('td', undefined, 'id');
    const text = id.slice(0, 8) + '…' + id.slice(-4);
    if (linked) {
      const a = el('a', text);
      a.href = '#/timer/' + id;
      td.append(a);
    } else td.textContent = text;
    td.title = id;
    td.dataset.id = id;
    return td;
  }

  /** Times in the browser's zone or in UTC (the toggle, kept in this browser), always with the zone shown. */
  let timeFormat = null;
  function setZone(utc) {
    timeFormat = new Intl.DateTimeFormat(undefined, {
      dateStyle: 'short',
      timeStyle: 'long',
      ...(utc ? { timeZone: 'UTC' } : {}),
    });
  }
  const time = (iso) => (iso ? timeFormat.format(new Date(iso)) : '—');

  /** "4 s", "3 min", "2 h", "5 d": whole units, rounded toward zero. */
  function span(ms) {
    const s = Math.abs(ms) / 1000;
    if (s < 120) return Math.floor(s) + ' s';
    if (s < 7200) return Math.floor(s / 60) + ' min';
    if (s < 172800) return Math.floor(s / 3600) + ' h';
    return Math.floor(s / 86400) + ' d';
  }

  function relative(iso, now) {
    const ms = Date.parse(iso) - now;
    return ms >= 0 ? 'in ' + span(ms) : span(ms) + ' ago';
  }

  function drawCounts(counts, cap) {
    $('counts').replaceChildren(
      ...STATUSES.map((status) => {
        const card = el('a', undefined, 'count ' + status);
        card.href = '#/timers?status=' + status;
        const n = counts[status] ?? 0;
        card.append(el('b', n >= cap ? n.toLocaleString() + '+' : n.toLocaleString()), el('span', status));
        card.dataset.status = status;
        return card;
      }),
    );
  }

  function drawDueSoon(timers, now) {
    // A timer waiting for its retry is due at its retry time, not at its fire_at, long past.
    const rows = timers.map((t) => {
      const next = t.next_attempt_at ?? t.fire_at;
      const when = el('td', relative(next, now) + (t.attempts > 0 ? ' (retry ' + (t.attempts + 1) + ')' : ''));
      return row([idCell(t.id), time(next), when, urlCell(t.url), t.schedule_id ? 'yes' : '']);
    });
    fill('due-soon', rows, 5, 'No pending timers.');
  }

  /** One row per request a controller sent, newest first, from the delivery history. */
  function drawRecent(attempts) {
    const rows = attempts.map((a) => {
      const late = a.lateness_ms;
      const lateCell = el('td', Math.abs(late) < 1000 ? late + ' ms' : span(late), late >= 1000 ? 'late' : '');
      const answer = el('td', a.status_code !== null ? a.status_code : (a.error ?? a.error_class), 'answer');
      if (a.error) answer.title = a.error;
      const tr = row([
        idCell(a.timer_id),
        a.attempt,
        time(a.started_at),
        lateCell,
        a.duration_ms + ' ms',
        answer,
        el('td', a.outcome, 'status ' + a.outcome),
        el('td', a.controller_id, 'id'),
      ]);
      tr.dataset.timer = a.timer_id;
      tr.dataset.outcome = a.outcome;
      return tr;
    });
    fill('recent', rows, 8, 'Nothing sent yet.');
  }

  function drawFailed(timers) {
    const rows = timers.map((t) => {
      const button = el('button', 'Replay');
      button.type = 'button';
      button.dataset.replay = t.id;
      const actions = el('td');
      actions.append(button);
      return row([
        idCell(t.id),
        time(t.fire_at),
        t.attempts,
        el('td', t.last_error ?? '', 'error'),
        urlCell(t.url),
        actions,
      ]);
    });
    fill('failed', rows, 6, 'No failed timers.');
  }

  function drawSchedules(schedules, now) {
    const rows = schedules.map((s) => {
      const next = s.paused
        ? el('td', 'paused', 'status paused')
        : el('td', s.next_run_at ? time(s.next_run_at) + ' (' + relative(s.next_run_at, now) + ')' : 'never');
      const button = el('button', s.paused ? 'Resume' : 'Pause');
      button.type = 'button';
      button.dataset.schedule = s.id;
      button.dataset.action = s.paused ? 'resume' : 'pause';
      const actions = el('td');
      actions.append(button);
      return row([
        idCell(s.id, false),
        el('td', s.cron, 'id'),
        s.timezone,
        next,
        time(s.last_occurrence_at),
        urlCell(s.url),
        actions,
      ]);
    });
    fill('schedules', rows, 7, 'No schedules.');
  }

  /**
   * One message line. A failed refresh says so until a refresh succeeds; what a
   * button did stays for ten seconds, whatever the refreshes do meanwhile.
   */
  let bannerKind = null;
  let bannerTimer = null;

  function banner(text, kind) {
    const b = $('banner');
    clearTimeout(bannerTimer);
    b.textContent = text ?? '';
    b.className = kind === 'info' ? 'banner info' : 'banner';
    b.hidden = !text;
    bannerKind = text ? kind : null;
    if (text && kind !== 'load') bannerTimer = setTimeout(() => banner(null), 10_000);
  }

  function askForKey(message) {
    for (const v of VIEWS) $(v).hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = message ?? '';
    $('key').focus();
    $('updated').textContent = 'Needs an API key';
  }

  /** The page the address asks for: #/, #/timers?…, #/retries, #/timer/<id>. */
  function route() {
    const hash = location.hash.replace(/^#/, '') || '/';
    const [path, query] = hash.split('?');
    const params = new URLSearchParams(query ?? '');
    if (path.startsWith('/timer/')) return { view: 'timer-view', id: decodeURIComponent(path.slice(7)), params };
    if (path === '/timers') return { view: 'list-view', params };
    if (path === '/retries') return { view: 'retries-view', params };
    if (Object.hasOwn(PAGES, path)) return { view: PAGES[path].view, draw: PAGES[path].draw, params };
    return { view: 'dashboard', params };
  }

  const VIEWS = ['dashboard', 'list-view', 'retries-view', 'timer-view'];
  /** Pages other files add (charts.js, fleet.js) through window.timerDashboard.page(): path → view and draw. */
  const PAGES = {};

  function show(view) {
    $('login').hidden = true;
    for (const v of VIEWS) $(v).hidden = v !== view;
    $('forget').hidden = !sessionStorage.getItem(KEY_ITEM);
    if (bannerKind === 'load') banner(null);
  }

  /** An answer that is not 200: asks for the key on a 401, else says what went wrong. True when handled. */
  function refused(status, body) {
    if (status === 200) return false;
    if (status === 401) askForKey(sessionStorage.getItem(KEY_ITEM) ? 'That key was refused.' : '');
    else banner(messageOf(body, 'The server answered ' + status + '.'), 'load');
    return true;
  }

  function labelsText(labels) {
    return Object.entries(labels ?? {})
      .map(([k, v]) => k + ':' + v)
      .join(' ');
  }

  // The list's cursors: the one each page was read with, so "First page" and a refresh read the same page again.
  let listCursor = null;
  // The list's filters: the GET /timers parameters the address (#/timers?…) and the form carry.
  const LIST_FILTERS = ['status', 'label', 'id_prefix', 'schedule_id', 'flow', 'host'];
  let retriesCursor = null;

  function listQuery(params, cursor) {
    const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
    for (const name of LIST_FILTERS) {
      const value = params.get(name);
      if (value) q.set(name, value);
    }
    if (cursor) q.set('cursor', cursor);
    return q;
  }

  async function drawList(params) {
    $('f-status').value = params.get('status') ?? '';
    $('f-label').value = params.get('label') ?? '';
    $('f-id').value = params.get('id_prefix') ?? '';
    $('f-schedule').value = params.get('schedule_id') ?? '';
    $('f-flow').value = params.get('flow') ?? '';
    $('f-host').value = params.get('host') ?? '';
    const { status, body } = await call('GET', '../timers?' + listQuery(params, listCursor));
    if (refused(status, body)) return;
    show('list-view');
    const rows = body.items.map((t) => {
      const tr = row([
        idCell(t.id),
        el('td', t.status, 'status ' + t.status),
        time(t.fire_at),
        t.attempts,
        el('td', labelsText(t.labels), 'labels'),
        urlCell(t.url),
      ]);
      tr.dataset.timer = t.id;
      return tr;
    });
    fill('timers', rows, 6, 'No timers match.');
    $('list-title').textContent = params.get('status') ? 'Timers: ' + params.get('status') : 'Timers';
    $('next-page').dataset.cursor = body.next_cursor ?? '';
    $('next-page').disabled = !body.next_cursor;
    $('first-page').disabled = !listCursor;
    $('page-info').textContent = body.items.length + ' shown' + (body.next_cursor ? ', more follow' : '');
    document.dispatchEvent(new CustomEvent('timers:drawn', { detail: { items: body.items } }));
  }

  async function drawRetries() {
    const q = new URLSearchParams({ status: 'pending', retrying: 'true', limit: String(PAGE_SIZE) });
    if (retriesCursor) q.set('cursor', retriesCursor);
    const { status, body } = await call('GET', '../timers?' + q);
    if (refused(status, body)) return;
    show('retries-view');
    const now = Date.now();
    const rows = body.items.map((t) =>
      row([
        idCell(t.id),
        time(t.next_attempt_at),
        relative(t.next_attempt_at, now),
        t.attempts,
        el('td', t.last_error ?? '', 'error'),
        urlCell(t.url),
      ]),
    );
    fill('retries', rows, 6, 'No timer is waiting for a retry.');
    $('retries-next').dataset.cursor = body.next_cursor ?? '';
    $('retries-next').disabled = !body.next_cursor;
  }

  /** The value of one field on the timer page: objects as JSON, nothing a client wrote as HTML. */
  function fieldText(name, value) {
    if (value === null || value === undefined) return '—';
    if (/_at$/.test(name)) return time(value);
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  }

  let shownTimer = null;

  async function drawTimer(id) {
    const path = '../timers/' + encodeURIComponent(id);
    const [one, attempts] = await Promise.all([call('GET', path), call('GET', path + '/attempts?limit=100')]);
    if (refused(one.status, one.body)) return;
    show('timer-view');
    const t = one.body;
    shownTimer = { id: t.id, etag: one.etag };
    $('timer-id').textContent = t.id;
    // Every field GET /timers/{id} answers; headers are their names only (the api never shows values).
    $('timer-fields').replaceChildren(
      ...Object.entries(t).flatMap(([name, value]) => {
        const dd = el('dd', name === 'url' ? safeUrl(value) : fieldText(name, value));
        dd.dataset.field = name;
        if (name === 'status') dd.className = 'status ' + value;
        if (name === 'schedule_id' && value) dd.className = 'mono';
        return [el('dt', name), dd];
      }),
    );
    $('timer-cancel').hidden = t.status !== 'pending';
    $('timer-cancel').disabled = false;
    $('timer-replay').hidden = t.status !== 'failed';
    $('timer-replay').disabled = false;
    const items = attempts.status === 200 ? attempts.body.items : [];
    const rows = items.map((a) => {
      const answer = el('td', a.status_code !== null ? a.status_code : (a.error ?? a.error_class), 'answer');
      if (a.error) answer.title = a.error;
      const tr = row([
        a.attempt,
        time(a.started_at),
        Math.abs(a.lateness_ms) < 1000 ? a.lateness_ms + ' ms' : span(a.lateness_ms),
        a.duration_ms + ' ms',
        answer,
        el('td', a.outcome, 'status ' + a.outcome),
        el('td', a.controller_id, 'id'),
      ]);
      tr.dataset.outcome = a.outcome;
      return tr;
    });
    fill('attempts', rows, 7, 'No attempt yet.');
    document.dispatchEvent(new CustomEvent('timer:drawn', { detail: { timer: t, etag: one.etag } }));
  }

  /** Cancel or replay the timer shown, at the version shown (If-Match): a change made meanwhile is refused. */
  async function actOnTimer(action, button) {
    if (!shownTimer) return;
    button.disabled = true;
    const path = '../timers/' + encodeURIComponent(shownTimer.id);
    const ifMatch = shownTimer.etag ? { 'If-Match': shownTimer.etag } : {};
    const { status, body } =
      action === 'cancel' ? await call('DELETE', path, ifMatch) : await call('POST', path + '/retry', ifMatch);
    if (status === 200) {
      banner(action === 'cancel' ? 'Timer canceled.' : 'Timer replayed: it is pending again.', 'info');
    } else banner(messageOf(body, action + ' failed: ' + status + '.'), 'error');
    await refresh();
  }

  async function refresh() {
    const current = route();
    if (current.view === 'list-view') return guarded(() => drawList(current.params));
    if (current.view === 'retries-view') return guarded(drawRetries);
    if (current.view === 'timer-view') return guarded(() => drawTimer(current.id));
    if (current.draw) return guarded(() => current.draw(current.params));
    return guarded(drawOverview);
  }

  async function guarded(draw) {
    if (loading) return;
    loading = true;
    try {
      await draw();
      $('updated').textContent = 'Updated ' + new Date().toLocaleTimeString();
    } catch (err) {
      banner('Cannot reach the server: ' + err.message, 'load');
    } finally {
      loading = false;
    }
  }

  async function drawOverview() {
    const { status, body } = await call('GET', 'api/overview');
    if (refused(status, body)) return;
    const now = Date.parse(body.now);
    show('dashboard');
    drawCounts(body.counts, body.count_cap);
    drawDueSoon(body.due_soon, now);
    drawRecent(body.recent);
    drawFailed(body.failed);
    drawSchedules(body.schedules, now);
  }

  async function replay(id, button) {
    button.disabled = true;
    const { status, body } = await call('POST', '../timers/' + encodeURIComponent(id) + '/retry');
    if (status === 200) banner('Timer ' + id + ' replayed: it is pending again.', 'info');
    else banner((body && body.error && body.error.message) || 'Replay failed: ' + status + '.', 'error');
    await refresh();
  }

  async function toggleSchedule(id, action, button) {
    button.disabled = true;
    const { status, body } = await call('POST', '../schedules/' + encodeURIComponent(id) + '/' + action);
    if (status !== 200) {
      banner((body && body.error && body.error.message) || action + ' failed: ' + status + '.', 'error');
    }
    await refresh();
  }

  // What the pages in select.js and change.js (bulk actions, the change form) call back into.
  window.timerUi = { call, banner, messageOf, refresh, time };

  function schedule() {
    clearInterval(timer);
    timer = $('auto').checked ? setInterval(refresh, REFRESH_MS) : null;
  }

  // What the pages in other files use: the same requests, cells, times and messages as these.
  window.timerDashboard = {
    page(path, view, draw) {
      PAGES[path] = { view, draw };
      VIEWS.push(view);
    },
    call,
    el,
    row,
    fill,
    show,
    refused,
    refresh: () => void refresh(),
    time: (iso) => time(iso),
    span,
  };

  document.addEventListener('DOMContentLoaded', () => {
    $('login').addEventListener('submit', (event) => {
      event.preventDefault();
      const key = $('key').value.trim();
      if (!key) return;
      sessionStorage.setItem(KEY_ITEM, key);
      $('key').value = '';
      void refresh();
    });
    $('forget').addEventListener('click', () => {
      sessionStorage.removeItem(KEY_ITEM);
      askForKey('');
    });
    $('refresh').addEventListener('click', () => void refresh());
    $('auto').addEventListener('change', schedule);
    $('utc').checked = localStorage.getItem(UTC_ITEM) === '1';
    $('utc').addEventListener('change', () => {
      localStorage.setItem(UTC_ITEM, $('utc').checked ? '1' : '0');
      setZone($('utc').checked);
      void refresh();
    });
    window.addEventListener('hashchange', () => {
      listCursor = null;
      retriesCursor = null;
      shownTimer = null;
      void refresh();
    });
    $('filters').addEventListener('submit', (event) => {
      event.preventDefault();
      const q = new URLSearchParams();
      if ($('f-status').value) q.set('status', $('f-status').value);
      if ($('f-label').value.trim()) q.set('label', $('f-label').value.trim());
      if ($('f-id').value.trim()) q.set('id_prefix', $('f-id').value.trim());
      if ($('f-schedule').value.trim()) q.set('schedule_id', $('f-schedule').value.trim());
      if ($('f-flow').value.trim()) q.set('flow', $('f-flow').value.trim());
      if ($('f-host').value.trim()) q.set('host', $('f-host').value.trim());
      const hash = '#/timers' + (q.size ? '?' + q : '');
      if (location.hash === hash) void refresh();
      else location.hash = hash;
    });
    $('next-page').addEventListener('click', () => {
      listCursor = $('next-page').dataset.cursor || null;
      void refresh();
    });
    $('first-page').addEventListener('click', () => {
      listCursor = null;
      void refresh();
    });
    $('retries-next').addEventListener('click', () => {
      retriesCursor = $('retries-next').dataset.cursor || null;
      void refresh();
    });
    $('timer-cancel').addEventListener('click', (event) => void actOnTimer('cancel', event.currentTarget));
    $('timer-replay').addEventListener('click', (event) => void actOnTimer('replay', event.currentTarget));
    document.addEventListener('click', (event) => {
      const target = event.target;
      if (!(target instanceof HTMLButtonElement)) return;
      if (target.dataset.replay) void replay(target.dataset.replay, target);
      else if (target.dataset.schedule) void toggleSchedule(target.dataset.schedule, target.dataset.action, target);
    });
    setZone($('utc').checked);
    schedule();
    void refresh();
  });
})();
