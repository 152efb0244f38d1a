// The charts page (#/charts): deliveries per minute by outcome, and lateness
// p50/p99 per minute, drawn as plain SVG from GET /ui/api/deliveries (the
// per-minute rollups). Each bar group and each point carries its minute and its
// numbers as data-* attributes and a <title>, so what is drawn can be read back.
(function () {
  'use strict';

  const D = window.timerDashboard;
  const $ = (id) => document.getElementById(id);
  const SVG = 'http://www.w3.org/2000/svg';
  const WIDTH = 600;
  const HEIGHT = 160;
  const TOP = 8; // room above the highest bar or point
  const MINUTE = 60000;
  const OUTCOMES = ['delivered', 'retried', 'failed', 'skipped'];

  function svg(tag, attributes, className) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
    if (className) node.setAttribute('class', className);
    return node;
  }

  function titled(node, text) {
    const title = document.createElementNS(SVG, 'title');
    title.textContent = text;
    node.append(title);
    return node;
  }

  /** The minutes shown: from the first of the range to the current one, each a slot of the x axis. */
  function axis(body) {
    const now = Date.parse(body.now);
    const from = now - (now % MINUTE) - body.hours * 3600000;
    const slots = body.hours * 60 + 1;
    const slot = WIDTH / slots;
    return { from, slot, x: (iso) => ((Date.parse(iso) - from) / MINUTE) * slot };
  }

  /** A round number at least `n`, for the top of a scale. */
  function ceiling(n) {
    if (n <= 0) return 1;
    const step = Math.pow(10, Math.floor(Math.log10(n)));
    return Math.ceil(n / step) * step;
  }

  function drawDeliveries(body, x) {
    const max = ceiling(Math.max(0, ...body.minutes.map((m) => OUTCOMES.reduce((s, o) => s + m[o], 0))));
    const scale = (n) => (n / max) * (HEIGHT - TOP);
    const width = Math.max(1, x.slot * 0.8);
    const groups = body.minutes.map((m) => {
      const g = svg('g', { 'data-minute': m.minute }, 'bar');
      let y = HEIGHT;
      for (const outcome of OUTCOMES) {
        g.setAttribute('data-' + outcome, m[outcome]);
        if (m[outcome] === 0) continue;
        const h = scale(m[outcome]);
        y -= h;
        g.append(svg('rect', { x: x.x(m.minute), y, width, height: h, 'data-outcome': outcome }, outcome));
      }
      return titled(g, D.time(m.minute) + ': ' + OUTCOMES.map((o) => m[o] + ' ' + o).join(', '));
    });
    $('deliveries-chart').replaceChildren(
      svg('line', { x1: 0, y1: HEIGHT, x2: WIDTH, y2: HEIGHT }, 'baseline'),
      ...groups,
    );
    $('deliveries-chart').dataset.max = String(max);
    $('deliveries-max').textContent = max.toLocaleString() + ' a minute';
  }

  function drawLateness(body, x) {
    const sent = body.minutes.filter((m) => m.sent > 0);
    const max = ceiling(Math.max(0, ...sent.map((m) => m.lateness_p99_ms)));
    const y = (ms) => HEIGHT - (ms / max) * (HEIGHT - TOP);
    const nodes = [svg('line', { x1: 0, y1: HEIGHT, x2: WIDTH, y2: HEIGHT }, 'baseline')];
    for (const [field, name] of [
      ['lateness_p50_ms', 'p50'],
      ['lateness_p99_ms', 'p99'],
    ]) {
      const points = sent.map((m) => [x.x(m.minute) + x.slot / 2, y(m[field])]);
      if (points.length > 1)
        nodes.push(svg('polyline', { points: points.map((p) => p.join(',')).join(' ') }, 'line ' + name));
      sent.forEach((m, i) => {
        // A line of no length with a round cap: a dot that stays round however the chart is stretched.
        const [px, py] = points[i];
        const dot = svg('line', { x1: px, y1: py, x2: px, y2: py }, 'point ' + name);
        dot.setAttribute('data-minute', m.minute);
        dot.setAttribute('data-ms', m[field]);
        nodes.push(titled(dot, D.time(m.minute) + ': ' + name + ' ' + m[field] + ' ms (' + m.sent + ' sent)'));
      });
    }
    $('lateness-chart').replaceChildren(...nodes);
    $('lateness-chart').dataset.max = String(max);
    $('lateness-max').textContent = max.toLocaleString() + ' ms';
  }

  async function drawCharts() {
    const hours = $('chart-hours').value;
    const { status, body } = await D.call('GET', 'api/deliveries?hours=' + encodeURIComponent(hours));
    if (D.refused(status, body)) return;
    D.show('charts-view');
    const x = axis(body);
    drawDeliveries(body, x);
    drawLateness(body, x);
    const from = new Date(x.from).toISOString();
    for (const chart of ['deliveries', 'lateness']) {
      $(chart + '-from').textContent = D.time(from);
      $(chart + '-to').textContent = D.time(body.now);
    }
    $('chart-scope').textContent = body.scope === 'all' ? 'every tenant' : "this key's tenant only";
  }

  D.page('/charts', 'charts-view', drawCharts);
  document.addEventListener('DOMContentLoaded', () => {
    $('chart-hours').addEventListener('change', D.refresh);
  });
})();
