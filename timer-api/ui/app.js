// The dashboard: reads /ui/api/overview every 5 s and draws it. Plain DOM, no
// framework. Everything a client wrote (URLs, errors) is set as text, never as
// HTML. With API keys on the server, the key typed in is kept in sessionStorage
// (this tab only) and sent as a Bearer token; a 401 asks for it again.
(function () {
  'use strict';

  const KEY_ITEM = 'timer-service.api-key';
  const REFRESH_MS = 5000;
  const STATUSES = ['pending', 'firing', 'fired', 'failed', 'canceled', 'skipped'];
  const $ = (id) => document.getElementById(id);
  let timer = null;
  let loading = false;

  function headers() {
    const key = sessionStorage.getItem(KEY_ITEM);
    return key ? { Authorization: 'Bearer ' + key } : {};
  }

  /** Relative to /ui/, so the page also works behind a path prefix. */
  async function call(method, path) {
    const res = await fetch(path, { method, headers: headers(), cache: 'no-store' });
    let body = null;
    try {
      body = await res.json();
    } catch {
      body = null;
    }
    return { status: res.status, body };
  }

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

  function idCell(id) {
    const td = el('td', id.slice(0, 8) + '…' + id.slice(-4), 'id');
    td.title = id;
    td.dataset.id = id;
    return td;
  }

  const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });
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
        const card = el('div', undefined, 'count ' + status);
        const n = counts[status] ?? 0;
        card.append(el('b', n >= cap ? n.toLocaleString() + '+' : n.toLocaleString()), el('span', status));
        card.dataset.status = status;
        return card;
      }),
    );
  }

  function drawDueSoon(timers, now) {
    const rows = timers.map((t) =>
      row([idCell(t.id), time(t.fire_at), relative(t.fire_at, now), urlCell(t.url), t.schedule_id ? 'yes' : '']),
    );
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
        idCell(s.id),
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
    $('dashboard').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = message ?? '';
    $('key').focus();
    $('updated').textContent = 'Needs an API key';
  }

  async function refresh() {
    if (loading) return;
    loading = true;
    try {
      const { status, body } = await call('GET', 'api/overview');
      if (status === 401) {
        return askForKey(sessionStorage.getItem(KEY_ITEM) ? 'That key was refused.' : '');
      }
      if (status !== 200) {
        banner((body && body.error && body.error.message) || 'The server answered ' + status + '.', 'load');
        return;
      }
      const now = Date.parse(body.now);
      $('login').hidden = true;
      $('dashboard').hidden = false;
      $('forget').hidden = !sessionStorage.getItem(KEY_ITEM);
      if (bannerKind === 'load') banner(null);
      drawCounts(body.counts, body.count_cap);
      drawDueSoon(body.due_soon, now);
      drawRecent(body.recent);
      drawFailed(body.failed);
      drawSchedules(body.schedules, now);
      $('updated').textContent = 'Updated ' + new Date().toLocaleTimeString();
    } catch (err) {
      banner('Cannot reach the server: ' + err.message, 'load');
    } finally {
      loading = false;
    }
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

  function schedule() {
    clearInterval(timer);
    timer = $('auto').checked ? setInterval(refresh, REFRESH_MS) : null;
  }

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
    document.addEventListener('click', (event) => {
      const target = event.target;
      if (!(target instanceof HTMLButtonElement)) return;
      if (target.dataset.replay) void replay(target.dataset.replay, target);
      else if (target.dataset.schedule) void toggleSchedule(target.dataset.schedule, target.dataset.action, target);
    });
    schedule();
    void refresh();
  });
})();
