// Bulk actions on the timers list (#/timers): a checkbox per row, a selection of
// up to 100 timers kept across pages (a new filter starts a new one), and
// "Replay selected" / "Cancel selected" through POST /timers/retry and
// POST /timers/cancel, which answer a result per timer. With a label filter, two
// more buttons act on every timer of that label (the label form of the same
// endpoints, 100 a call), after a second click to confirm. app.js draws the list and
// tells this file so with a 'timers:drawn' event.
(function () {
  'use strict';

  const MAX_SELECTED = 100;
  const $ = (id) => document.getElementById(id);
  const selected = new Map(); // id → status when selected, in the order chosen

  const OUTCOME_TEXT = {
    replayed: 'replayed',
    canceled: 'canceled',
    not_found: 'not found',
    not_retryable: 'not failed (not replayed)',
    not_cancelable: 'not pending (not canceled)',
    started: 'already started',
    holder_unreachable: 'held by an unreachable controller (try again)',
    contended: 'changing meanwhile (try again)',
  };

  function button(id, text) {
    const b = document.createElement('button');
    b.type = 'button';
    b.id = id;
    b.textContent = text;
    return b;
  }

  /** The bar above the list: the count, the actions, and what the last action did. */
  function bar() {
    let node = $('bulk-bar');
    if (node) return node;
    node = document.createElement('div');
    node.id = 'bulk-bar';
    node.className = 'bulk-bar';
    const count = document.createElement('span');
    count.id = 'bulk-count';
    const result = document.createElement('span');
    result.id = 'bulk-result';
    result.setAttribute('role', 'status');
    node.append(
      count,
      button('bulk-replay', 'Replay selected'),
      button('bulk-cancel', 'Cancel selected'),
      button('bulk-clear', 'Clear selection'),
      button('label-replay', 'Replay all failed with this label'),
      button('label-cancel', 'Cancel all pending with this label'),
      result,
    );
    $('timers').closest('.scroll').before(node);
    $('bulk-replay').addEventListener('click', () => void act('retry'));
    $('bulk-cancel').addEventListener('click', () => void act('cancel'));
    $('bulk-clear').addEventListener('click', () => {
      selected.clear();
      update();
    });
    $('label-replay').addEventListener('click', (event) => confirmed(event.currentTarget) && void byLabel('retry'));
    $('label-cancel').addEventListener('click', (event) => confirmed(event.currentTarget) && void byLabel('cancel'));
    return node;
  }

  /** The labels the list is filtered by (#/timers?label=…), which the label actions act on. */
  function labelsShown() {
    const query = location.hash.split('?')[1] ?? '';
    return new URLSearchParams(query).getAll('label');
  }

  /**
   * A label action reaches timers the page does not show, so it asks first: the
   * first click turns the button into "Sure? …", a second within 5 s acts.
   */
  function confirmed(b) {
    if (b.dataset.armed === '1') {
      delete b.dataset.armed;
      b.textContent = b.dataset.text;
      return true;
    }
    b.dataset.text = b.textContent;
    b.dataset.armed = '1';
    b.textContent = 'Sure? Click again: ' + b.textContent.toLowerCase();
    setTimeout(() => {
      if (b.dataset.armed !== '1') return;
      delete b.dataset.armed;
      b.textContent = b.dataset.text;
    }, 5000);
    return false;
  }

  function update() {
    bar();
    const labels = labelsShown();
    for (const id of ['label-replay', 'label-cancel']) {
      $(id).hidden = labels.length === 0;
      $(id).title = labels.length ? 'Every matching timer, not only this page: ' + labels.join(' and ') : '';
    }
    const n = selected.size;
    $('bulk-count').textContent = n + ' selected' + (n >= MAX_SELECTED ? ' (at most ' + MAX_SELECTED + ')' : '');
    for (const id of ['bulk-replay', 'bulk-cancel', 'bulk-clear']) $(id).disabled = n === 0;
    for (const box of document.querySelectorAll('#timers input[data-select]')) {
      box.checked = selected.has(box.dataset.select);
      box.disabled = !box.checked && n >= MAX_SELECTED;
    }
    const all = $('select-page');
    if (all) {
      const boxes = [...document.querySelectorAll('#timers input[data-select]')];
      all.checked = boxes.length > 0 && boxes.every((b) => b.checked);
    }
  }

  /** A checkbox in front of every row the list drew, and one in the header for the whole page. */
  function addBoxes(items) {
    const statusOf = new Map(items.map((t) => [t.id, t.status]));
    const head = $('timers').tHead.rows[0];
    if (!$('select-page')) {
      const th = document.createElement('th');
      const all = document.createElement('input');
      all.type = 'checkbox';
      all.id = 'select-page';
      all.setAttribute('aria-label', 'Select every timer on this page');
      all.addEventListener('change', () => {
        for (const box of document.querySelectorAll('#timers input[data-select]')) {
          if (all.checked && selected.size >= MAX_SELECTED) break;
          if (all.checked) selected.set(box.dataset.select, statusOf.get(box.dataset.select));
          else selected.delete(box.dataset.select);
        }
        update();
      });
      th.append(all);
      head.prepend(th);
    }
    for (const tr of $('timers').tBodies[0].rows) {
      const td = document.createElement('td');
      td.className = 'select';
      const id = tr.dataset.timer;
      if (id) {
        const box = document.createElement('input');
        box.type = 'checkbox';
        box.dataset.select = id;
        box.setAttribute('aria-label', 'Select timer ' + id);
        box.addEventListener('change', () => {
          if (box.checked && selected.size < MAX_SELECTED) selected.set(id, statusOf.get(id));
          else selected.delete(id);
          update();
        });
        td.append(box);
        tr.prepend(td);
      } else if (tr.cells[0]) tr.cells[0].colSpan += 1; // the "No timers match." row spans the new column too
    }
    update();
  }

  /** Replays or cancels the selection in one call, then says what happened to each timer, counted by outcome. */
  async function act(action) {
    const ui = window.timerUi;
    const ids = [...selected.keys()];
    if (ids.length === 0) return;
    for (const id of ['bulk-replay', 'bulk-cancel', 'bulk-clear']) $(id).disabled = true;
    let answer;
    try {
      answer = await ui.call('POST', '../timers/' + action, {}, { ids });
    } catch (err) {
      $('bulk-result').textContent = 'Cannot reach the server: ' + err.message;
      update();
      return;
    }
    if (answer.status !== 200) {
      $('bulk-result').textContent = ui.messageOf(answer.body, 'The server answered ' + answer.status + '.');
      update();
      return;
    }
    const counts = new Map();
    for (const r of answer.body.results) {
      counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
      // Done: out of the selection. Refused: stays selected, so it can be looked at.
      if (r.outcome === 'replayed' || r.outcome === 'canceled') selected.delete(r.id);
    }
    say(counts, '');
    update();
    await ui.refresh();
  }

  function say(counts, more) {
    const text = [...counts].map(([outcome, n]) => n + ' ' + (OUTCOME_TEXT[outcome] ?? outcome)).join(', ');
    $('bulk-result').textContent = (text || 'No timer matched.') + more;
    $('bulk-result').dataset.outcomes = JSON.stringify(Object.fromEntries(counts));
  }

  /** Most calls one label action makes (100 timers each) before it stops and says so. */
  const LABEL_ROUNDS = 50;

  /**
   * Replays or cancels every matching timer of the list's label through the label
   * form of POST /timers/retry or /timers/cancel, 100 a call, repeated while the
   * answer says more are left.
   */
  async function byLabel(action) {
    const ui = window.timerUi;
    const labels = labelsShown();
    if (labels.length === 0) return;
    for (const id of ['label-replay', 'label-cancel']) $(id).disabled = true;
    const counts = new Map();
    let more = false;
    try {
      for (let round = 0; round < LABEL_ROUNDS; round++) {
        const answer = await ui.call('POST', '../timers/' + action, {}, { label: labels });
        if (answer.status !== 200) {
          $('bulk-result').textContent = ui.messageOf(answer.body, 'The server answered ' + answer.status + '.');
          return;
        }
        for (const r of answer.body.results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
        more = answer.body.more;
        say(counts, more ? '…' : '');
        if (!more) break;
      }
      say(counts, more ? ' (stopped after ' + LABEL_ROUNDS * 100 + '; click again for the rest)' : '');
    } catch (err) {
      $('bulk-result').textContent = 'Cannot reach the server: ' + err.message;
    } finally {
      for (const id of ['label-replay', 'label-cancel']) $(id).disabled = false;
      await ui.refresh();
    }
  }

  document.addEventListener('timers:drawn', (event) => addBoxes(event.detail.items));
  // A new address is a new filter: a new selection.
  window.addEventListener('hashchange', () => {
    selected.clear();
    if ($('bulk-result')) $('bulk-result').textContent = '';
  });
})();
