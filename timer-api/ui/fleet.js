// The fleet page (#/fleet): the controllers (alive or not, last heartbeat, the
// requests in flight and timers held each reported on it) and the flows (limits,
// pause, waiting, in flight, breaker), from GET /ui/api/fleet.
(function () {
  'use strict';

  const D = window.timerDashboard;
  const { el, row } = D;

  const orDash = (n) => (n === null || n === undefined ? '—' : n.toLocaleString());

  function drawControllers(controllers) {
    const rows = controllers.map((c) => {
      const tr = row([
        el('td', c.id, 'id'),
        el('td', c.alive ? 'alive' : 'gone', 'status ' + (c.alive ? 'alive' : 'gone')),
        D.time(c.heartbeat_at) + ' (' + D.span(c.heartbeat_age_ms) + ' ago)',
        orDash(c.in_flight),
        orDash(c.held),
        D.time(c.started_at),
      ]);
      tr.dataset.controller = c.id;
      tr.dataset.alive = String(c.alive);
      return tr;
    });
    D.fill('controllers', rows, 6, 'No controller has a heartbeat in the table.');
  }

  function breaker(origin) {
    if (!origin) return '';
    return origin.state + (origin.until ? ' until ' + D.time(origin.until) : '');
  }

  function drawFlows(flows) {
    const rows = flows.map((f) => {
      const rate = f.rate === null ? '—' : f.rate + (f.burst !== null ? ' (burst ' + f.burst + ')' : '');
      const tr = row([
        el('td', f.key, 'id'),
        f.tenant,
        orDash(f.parallelism),
        rate,
        el('td', f.paused ? 'paused' : 'running', 'status ' + (f.paused ? 'paused' : 'running')),
        f.waiting.toLocaleString(),
        f.in_flight.toLocaleString(),
        el('td', breaker(f.origin), f.origin ? 'status ' + f.origin.state : ''),
      ]);
      tr.dataset.flow = f.key;
      return tr;
    });
    D.fill('flows', rows, 8, 'No flow is configured.');
  }

  async function drawFleet() {
    const { status, body } = await D.call('GET', 'api/fleet');
    if (D.refused(status, body)) return;
    D.show('fleet-view');
    drawControllers(body.controllers);
    drawFlows(body.flows);
  }

  D.page('/fleet', 'fleet-view', drawFleet);
})();
