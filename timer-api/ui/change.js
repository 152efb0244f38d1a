// The change form on a timer's page (#/timer/<id>): its fire time, URL and
// attempt limit, sent as PATCH /timers/{id} with If-Match set to the version the
// form was filled from. The page refreshes every 5 s; the form is refilled only
// while nothing in it was edited, so a change someone else made meanwhile is
// refused (412) and said so, never written over. app.js draws the timer and tells
// this file so with a 'timer:drawn' event.
(function () {
  'use strict';

  const $ = (id) => document.getElementById(id);
  // What the form was filled from: the timer's id, the ETag of that version, and the values shown.
  let base = null;
  let dirty = false;

  function field(label, id, attributes) {
    const wrap = document.createElement('label');
    wrap.textContent = label + ' ';
    const input = document.createElement('input');
    input.id = id;
    input.autocomplete = 'off';
    Object.assign(input, attributes);
    input.addEventListener('input', () => {
      dirty = true;
    });
    wrap.append(input);
    return wrap;
  }

  function form() {
    let node = $('change-form');
    if (node) return node;
    node = document.createElement('form');
    node.id = 'change-form';
    node.className = 'change-form';
    const title = document.createElement('h2');
    title.textContent = 'Change';
    const save = document.createElement('button');
    save.type = 'submit';
    save.id = 'change-save';
    save.textContent = 'Save change';
    const message = document.createElement('p');
    message.id = 'change-message';
    message.setAttribute('role', 'status');
    const conflict = document.createElement('p');
    conflict.id = 'change-conflict';
    conflict.className = 'conflict';
    conflict.hidden = true;
    const reload = document.createElement('button');
    reload.type = 'button';
    reload.id = 'change-reload';
    reload.textContent = 'Start again from the current version';
    reload.addEventListener('click', () => {
      base = null;
      dirty = false;
      conflict.hidden = true;
      reload.hidden = true;
      void window.timerUi.refresh();
    });
    node.append(
      title,
      field('Fire at', 'change-fire-at', { placeholder: '2026-12-24T18:00:00Z', size: 26 }),
      field('URL', 'change-url', { type: 'url', size: 40 }),
      field('Max attempts', 'change-max-attempts', { type: 'number', min: 1, placeholder: 'service default' }),
      save,
      message,
      conflict,
    );
    conflict.after(reload);
    reload.hidden = true;
    node.addEventListener('submit', (event) => {
      event.preventDefault();
      void saveChange();
    });
    $('timer-fields').before(node);
    return node;
  }

  /** The URL without its password, as the page shows it; sent only when edited. */
  function shownUrl(raw) {
    try {
      const url = new URL(raw);
      if (url.password) url.password = '***';
      return url.href;
    } catch {
      return raw;
    }
  }

  function fill(timer, etag) {
    const values = {
      fire_at: timer.fire_at,
      url: shownUrl(timer.url),
      max_attempts: timer.retry && timer.retry.max_attempts !== null ? String(timer.retry.max_attempts) : '',
    };
    base = { id: timer.id, etag, version: timer.version, values };
    dirty = false;
    $('change-fire-at').value = values.fire_at;
    $('change-url').value = values.url;
    $('change-max-attempts').value = values.max_attempts;
    // A failed timer is replayed, not moved: its fire time cannot change.
    $('change-fire-at').disabled = timer.status !== 'pending';
  }

  function onDrawn(timer, etag) {
    const node = form();
    node.hidden = timer.status !== 'pending' && timer.status !== 'failed';
    if (node.hidden) return;
    // Refilled on a new timer, or on a new version while nothing was edited; an edit keeps its base version.
    if (!base || base.id !== timer.id || (!dirty && base.etag !== etag)) {
      fill(timer, etag);
      $('change-message').textContent = '';
    }
  }

  /** The fields that differ from what the form was filled with. */
  function changes() {
    const body = {};
    const fireAt = $('change-fire-at').value.trim();
    if (!$('change-fire-at').disabled && fireAt !== base.values.fire_at) body.fire_at = fireAt;
    const url = $('change-url').value.trim();
    if (url !== base.values.url) body.url = url;
    const max = $('change-max-attempts').value.trim();
    if (max !== base.values.max_attempts) body.retry = { max_attempts: max === '' ? null : Number(max) };
    return body;
  }

  async function saveChange() {
    const ui = window.timerUi;
    if (!base) return;
    const body = changes();
    if (Object.keys(body).length === 0) {
      $('change-message').textContent = 'Nothing changed.';
      return;
    }
    $('change-save').disabled = true;
    try {
      const path = '../timers/' + encodeURIComponent(base.id);
      const answer = await ui.call('PATCH', path, base.etag ? { 'If-Match': base.etag } : {}, body);
      if (answer.status === 200) {
        fill(answer.body, answer.etag);
        $('change-message').textContent = 'Saved: now version ' + answer.body.version + '.';
        await ui.refresh();
      } else if (answer.status === 412) {
        $('change-conflict').textContent =
          'Not saved: someone changed this timer after you opened it (412, it is no longer version ' +
          base.version +
          '). Your edits are still in the form; the fields below show the current version.';
        $('change-conflict').hidden = false;
        $('change-reload').hidden = false;
        $('change-message').textContent = '';
        await ui.refresh();
      } else {
        $('change-message').textContent = ui.messageOf(answer.body, 'The server answered ' + answer.status + '.');
      }
    } catch (err) {
      $('change-message').textContent = 'Cannot reach the server: ' + err.message;
    } finally {
      $('change-save').disabled = false;
    }
  }

  document.addEventListener('timer:drawn', (event) => onDrawn(event.detail.timer, event.detail.etag));
  window.addEventListener('hashchange', () => {
    base = null;
    dirty = false;
    if ($('change-conflict')) {
      $('change-conflict').hidden = true;
      $('change-reload').hidden = true;
    }
  });
})();
