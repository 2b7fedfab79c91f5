/*
 * Relata analyst dashboard: plain script, no framework, no network beyond this server's API.
 * Charts are inline SVG drawn here; every number drawn is also in a table cell or an SVG <title>,
 * so that it can be read as text (screen readers, tests). The numbers are the API's: nothing
 * here recomputes a measure, except grouping the lifetime values into histogram bins.
 */
/* global document, fetch, sessionStorage -- a browser script: these are the page's globals */
(function () {
  'use strict';

  var KEY_STORAGE = 'relata.dashboard.apiKey';
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var PALETTE = ['#2f6fde', '#e8833a', '#3aa676', '#c94f6d', '#8a63d2', '#c9a227', '#2bb0c4', '#7d8c3c', '#d4689f', '#5b6b8c', '#a0522d', '#4c9f9f'];
  /** Pages of lifetime values read for the histogram at most (1,000 customers a page). */
  var MAX_VALUE_PAGES = 100;
  var TOP_CUSTOMERS = 10;

  var $ = function (id) { return document.getElementById(id); };

  // ------------------------------------------------------------------ formatting

  function fmtInt(n) { return n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US'); }
  function fmtMoney(n) {
    return n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  function fmtPercent(ratio) { return ratio === null || ratio === undefined ? '–' : (ratio * 100).toFixed(1) + '%'; }
  function fmtCsat(avg) { return avg === null || avg === undefined ? '–' : Number(avg).toFixed(2); }
  function fmtNps(score) { return score === null || score === undefined ? '–' : Number(score).toFixed(1); }
  function fmtSigned(n, digits) { return n === null || n === undefined ? '–' : (n > 0 ? '+' : '') + Number(n).toFixed(digits); }

  function isoDate(date) { return date.toISOString().slice(0, 10); }

  // ------------------------------------------------------------------ DOM helpers

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function svgEl(tag, attrs, children) {
    var node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function setAttrs(node, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (name) {
      var value = attrs[name];
      if (value === undefined || value === null) return;
      if (name === 'text') node.textContent = String(value);
      else node.setAttribute(name, String(value));
    });
  }

  function append(node, children) {
    if (children === undefined || children === null) return;
    (Array.isArray(children) ? children : [children]).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  /** A table from a header row and body rows; a cell is text or {text, attrs}. */
  function fillTable(table, header, rows) {
    clear(table);
    var cell = function (tag, value) {
      if (value !== null && typeof value === 'object') return el(tag, value.attrs, value.text);
      return el(tag, null, String(value));
    };
    table.appendChild(el('thead', null, el('tr', null, header.map(function (h) { return cell('th', h); }))));
    table.appendChild(el('tbody', null, rows.map(function (row) { return el('tr', null, row.map(function (v, i) { return cell(i === 0 ? 'th' : 'td', v); })); })));
  }

  function titled(node, text) { node.appendChild(svgEl('title', { text: text })); return node; }

  function empty(container, message) {
    clear(container).appendChild(el('p', { class: 'empty' }, message));
  }

  /** A "nice" step (1, 2, 2.5 or 5 times a power of ten) of at least raw. */
  function niceStep(raw) {
    if (!(raw > 0)) return 1;
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * power >= raw) return steps[i] * power;
    return 10 * power;
  }

  function axisTicks(max, count) {
    var step = niceStep(max / count);
    var ticks = [];
    for (var v = 0; v <= max + step / 1e9; v += step) ticks.push(v);
    return { step: step, top: ticks[ticks.length - 1] < max ? ticks[ticks.length - 1] + step : ticks[ticks.length - 1], ticks: ticks };
  }

  // ------------------------------------------------------------------ charts

  /** Vertical bars, stacked when a bar has several parts: bars = [{label, parts: [{key, value, color}]}]. */
  function barChart(container, bars, options) {
    var height = options.height || 240;
    var W = options.width || 640;
    var m = { top: 18, right: 12, bottom: options.rotate ? 70 : 34, left: 48 };
    var totals = bars.map(function (b) { return b.parts.reduce(function (s, p) { return s + p.value; }, 0); });
    var max = Math.max.apply(null, totals.concat([1]));
    var axis = axisTicks(max, 4);
    var top = Math.max(axis.top, max);
    var plotW = W - m.left - m.right;
    var plotH = height - m.top - m.bottom;
    var slot = plotW / Math.max(bars.length, 1);
    var barW = Math.max(Math.min(slot * 0.7, 60), 2);
    var y = function (v) { return m.top + plotH - (v / top) * plotH; };
    var svg = svgEl('svg', { viewBox: '0 0 ' + W + ' ' + height, role: 'img', 'aria-label': options.title });

    axis.ticks.forEach(function (t) {
      svg.appendChild(svgEl('line', { x1: m.left, x2: W - m.right, y1: y(t), y2: y(t), stroke: '#e3e7ed' }));
      svg.appendChild(svgEl('text', { x: m.left - 6, y: y(t) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#5f6b7a', text: options.tick ? options.tick(t) : fmtInt(t) }));
    });

    bars.forEach(function (bar, i) {
      var x = m.left + slot * i + (slot - barW) / 2;
      var base = 0;
      var group = svgEl('g', { class: 'bar', 'data-label': bar.label, 'data-total': totals[i] });
      bar.parts.forEach(function (part) {
        if (part.value <= 0) return;
        var rect = svgEl('rect', { x: x, y: y(base + part.value), width: barW, height: y(base) - y(base + part.value), fill: part.color, 'data-key': part.key, 'data-value': part.value });
        titled(rect, bar.label + (part.key ? ' · ' + part.key : '') + ': ' + (options.format || fmtInt)(part.value));
        group.appendChild(rect);
        base += part.value;
      });
      group.appendChild(svgEl('text', { x: x + barW / 2, y: y(totals[i]) - 4, 'text-anchor': 'middle', 'font-size': 11, fill: '#1d2433', class: 'data-label', text: (options.format || fmtInt)(totals[i]) }));
      var labelY = height - m.bottom + 14;
      var label = options.rotate
        ? svgEl('text', { x: x + barW / 2, y: labelY, 'text-anchor': 'end', 'font-size': 10, fill: '#5f6b7a', transform: 'rotate(-35 ' + (x + barW / 2) + ' ' + labelY + ')', text: bar.label })
        : svgEl('text', { x: x + barW / 2, y: labelY, 'text-anchor': 'middle', 'font-size': 11, fill: '#5f6b7a', text: bar.label });
      group.appendChild(label);
      svg.appendChild(group);
    });
    svg.appendChild(svgEl('line', { x1: m.left, x2: W - m.right, y1: y(0), y2: y(0), stroke: '#8893a3' }));
    clear(container).appendChild(svg);
  }

  /** A line over periods, with a gap where a value is null: points = [{label, value}]. */
  function lineChart(container, points, options) {
    var height = options.height || 200;
    var width = options.width || 640;
    // Room on the right for the last point's label and period.
    var m = { top: 22, right: 30, bottom: 30, left: 44 };
    var plotW = width - m.left - m.right;
    var plotH = height - m.top - m.bottom;
    var min = options.min;
    var max = options.max;
    // Points kept off the axes, so their labels do not cover the ticks.
    var inset = 16;
    var x = function (i) { return m.left + inset + (points.length === 1 ? (plotW - 2 * inset) / 2 : ((plotW - 2 * inset) * i) / (points.length - 1)); };
    var y = function (v) { return m.top + plotH - ((v - min) / (max - min)) * plotH; };
    var svg = svgEl('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': options.title });
    svg.appendChild(svgEl('text', { x: m.left, y: 12, 'font-size': 11, fill: '#5f6b7a', text: options.title }));
    options.ticks.forEach(function (t) {
      svg.appendChild(svgEl('line', { x1: m.left, x2: width - m.right, y1: y(t), y2: y(t), stroke: '#e3e7ed' }));
      svg.appendChild(svgEl('text', { x: m.left - 6, y: y(t) + 4, 'text-anchor': 'end', 'font-size': 10, fill: '#5f6b7a', text: options.tick(t) }));
    });
    var path = '';
    var pen = false;
    points.forEach(function (p, i) {
      if (p.value === null || p.value === undefined) { pen = false; return; }
      path += (pen ? 'L' : 'M') + x(i).toFixed(1) + ' ' + y(p.value).toFixed(1) + ' ';
      pen = true;
    });
    if (path) svg.appendChild(svgEl('path', { d: path, fill: 'none', stroke: options.color, 'stroke-width': 2 }));
    var every = Math.ceil(points.length / 8);
    points.forEach(function (p, i) {
      if (i % every === 0 || i === points.length - 1) {
        svg.appendChild(svgEl('text', { x: x(i), y: height - 10, 'text-anchor': 'middle', 'font-size': 10, fill: '#5f6b7a', text: p.label }));
      }
      if (p.value === null || p.value === undefined) return;
      var dot = svgEl('circle', { cx: x(i), cy: y(p.value), r: 3.5, fill: options.color, class: 'point', 'data-label': p.label, 'data-value': p.value });
      titled(dot, p.label + ': ' + options.format(p.value));
      svg.appendChild(dot);
      svg.appendChild(svgEl('text', { x: x(i), y: y(p.value) - 7, 'text-anchor': 'middle', 'font-size': 10, fill: '#1d2433', class: 'data-label', text: options.format(p.value) }));
    });
    clear(container).appendChild(svg);
  }

  function legend(container, entries) {
    clear(container);
    entries.forEach(function (e) {
      var swatch = svgEl('svg', { width: 10, height: 10, 'aria-hidden': 'true' }, svgEl('rect', { width: 10, height: 10, fill: e.color }));
      container.appendChild(el('span', { class: 'legend-item' }, [swatch, e.label]));
    });
  }

  // ------------------------------------------------------------------ API

  function problemText(status, body) {
    if (body && typeof body === 'object' && (body.detail || body.title)) return status + ' ' + (body.title || '') + (body.detail ? ': ' + body.detail : '');
    return 'HTTP ' + status;
  }

  function api(path, key) {
    return fetch(path, { headers: { Authorization: 'Bearer ' + key, Accept: 'application/json' } }).then(function (response) {
      return response.text().then(function (text) {
        var body = null;
        try { body = text ? JSON.parse(text) : null; } catch { body = text; }
        if (!response.ok) throw new Error(path.split('?')[0] + ' answered ' + problemText(response.status, body));
        return body;
      });
    });
  }

  function query(params) {
    return Object.keys(params).filter(function (k) { return params[k] !== undefined && params[k] !== null; })
      .map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(params[k]); }).join('&');
  }

  /** Every customer with a purchase, biggest revenue first (all pages, up to MAX_VALUE_PAGES). */
  function allLifetimeValues(key) {
    var items = [];
    var pages = 0;
    function next(cursor) {
      return api('/analytics/lifetime-value?' + query({ minPurchases: 1, sort: 'revenue', order: 'desc', limit: 1000, cursor: cursor }), key).then(function (page) {
        items = items.concat(page.items);
        pages++;
        if (page.nextCursor && pages < MAX_VALUE_PAGES) return next(page.nextCursor);
        return { items: items, truncated: Boolean(page.nextCursor) };
      });
    }
    return next(undefined);
  }

  // ------------------------------------------------------------------ sections

  function renderComplaints(report) {
    var series = report.series || [];
    var groups = (report.groups || []).map(function (g) { return g.group; });
    var color = {};
    groups.forEach(function (g, i) { color[g] = PALETTE[i % PALETTE.length]; });
    var periods = [];
    var byPeriod = {};
    series.forEach(function (row) {
      if (!byPeriod[row.period]) { byPeriod[row.period] = {}; periods.push(row.period); }
      byPeriod[row.period][row.group] = row.complaints;
    });
    if (periods.length === 0 || report.totals.complaints === 0) {
      empty($('complaints-chart'), 'No complaints registered in this range.');
    } else {
      barChart($('complaints-chart'), periods.map(function (p) {
        return { label: p, parts: groups.map(function (g) { return { key: g, value: byPeriod[p][g] || 0, color: color[g] }; }) };
      }), { title: 'Complaints per week by category', rotate: periods.length > 16, width: 1200, height: 300 });
    }
    legend($('complaints-legend'), groups.map(function (g) { return { label: g + ' (' + fmtInt(report.counts.category[g]) + ')', color: color[g] }; }));
    var header = ['Week'].concat(groups).concat(['Total']);
    var rows = periods.map(function (p) {
      var total = groups.reduce(function (s, g) { return s + (byPeriod[p][g] || 0); }, 0);
      return [p].concat(groups.map(function (g) { return fmtInt(byPeriod[p][g] || 0); })).concat([fmtInt(total)]);
    });
    rows.push(['Total'].concat(groups.map(function (g) { return fmtInt(report.counts.category[g] || 0); })).concat([fmtInt(report.totals.complaints)]));
    fillTable($('complaints-table'), header, rows);
  }

  function renderSla(report) {
    var totals = report.totals.sla;
    var change = report.change.slaCompliance;
    $('sla-figure').textContent = fmtPercent(totals.compliance);
    $('sla-detail').textContent = fmtInt(totals.withinSla) + ' of ' + fmtInt(totals.decided) + ' decided · ' + fmtInt(totals.breaches.complaints) +
      ' breached · previous period ' + fmtPercent(change.previous);
    var series = report.series || [];
    lineChart($('sla-chart'), series.map(function (row) { return { label: row.period, value: row.sla.compliance === null ? null : row.sla.compliance * 100 }; }), {
      title: 'Compliance per week (%)', min: 0, max: 100, ticks: [0, 25, 50, 75, 100], color: '#3aa676',
      tick: function (t) { return t + '%'; }, format: function (v) { return v.toFixed(1) + '%'; },
    });
    fillTable($('sla-table'), ['Week', 'Complaints', 'Decided', 'Within SLA', 'Compliance', 'Breached'], series.map(function (row) {
      return [row.period, fmtInt(row.complaints), fmtInt(row.sla.decided), fmtInt(row.sla.withinSla), fmtPercent(row.sla.compliance), fmtInt(row.sla.breaches.complaints)];
    }));
  }

  function renderSatisfaction(report) {
    var csat = report.totals.csat;
    var nps = report.totals.nps;
    $('csat-figure').textContent = fmtCsat(csat.average);
    $('csat-detail').textContent = fmtInt(csat.responses) + ' answers · change ' + fmtSigned(report.change.csatAverage.difference, 2);
    $('nps-figure').textContent = fmtNps(nps.score);
    $('nps-detail').textContent = fmtInt(nps.promoters) + ' promoters, ' + fmtInt(nps.passives) + ' passives, ' + fmtInt(nps.detractors) +
      ' detractors · change ' + fmtSigned(report.change.nps.difference, 1);
    var series = report.series || [];
    lineChart($('csat-chart'), series.map(function (row) { return { label: row.period, value: row.csat.average }; }), {
      title: 'CSAT per week', width: 320, height: 180, min: 1, max: 5, ticks: [1, 2, 3, 4, 5], color: '#2f6fde',
      tick: String, format: fmtCsat,
    });
    lineChart($('nps-chart'), series.map(function (row) { return { label: row.period, value: row.nps.score }; }), {
      title: 'NPS per week', width: 320, height: 180, min: -100, max: 100, ticks: [-100, -50, 0, 50, 100], color: '#8a63d2',
      tick: String, format: fmtNps,
    });
    fillTable($('satisfaction-table'), ['Week', 'CSAT answers', 'CSAT', 'NPS answers', 'NPS'], series.map(function (row) {
      return [row.period, fmtInt(row.csat.responses), fmtCsat(row.csat.average), fmtInt(row.nps.responses), fmtNps(row.nps.score)];
    }));
  }

  function renderSegments(page, scheme) {
    var items = page.items;
    $('segments-note').textContent = page.lastRun
      ? 'Customers per ' + scheme + ' segment after the latest segmentation run (as of ' + page.lastRun.asOf.slice(0, 10) + ').'
      : 'No segmentation run yet (POST /analytics/segments/recompute).';
    barChart($('segments-chart'), items.map(function (item, i) {
      return { label: item.segment, parts: [{ key: '', value: item.customers, color: PALETTE[i % PALETTE.length] }] };
    }), { title: 'Segment sizes', rotate: true, height: 260 });
    fillTable($('segments-table'), ['Segment', 'Customers'], items.map(function (item) { return [item.segment, fmtInt(item.customers)]; }));
  }

  function renderTransitions(view) {
    $('transitions-note').textContent = fmtInt(view.customers) + ' customers by ' + view.scheme + ' segment on ' + view.from.slice(0, 10) +
      ' (rows) and on ' + view.to.slice(0, 10) + ' (columns); (none) = in no segment.';
    var order = [];
    view.items.forEach(function (item) {
      if (order.indexOf(item.from) < 0) order.push(item.from);
    });
    var columns = [];
    view.items.forEach(function (item) { if (columns.indexOf(item.to) < 0) columns.push(item.to); });
    // Columns in the rows' order first, so the diagonal (customers who stayed) lines up.
    columns.sort(function (a, b) {
      var ia = order.indexOf(a) < 0 ? order.length : order.indexOf(a);
      var ib = order.indexOf(b) < 0 ? order.length : order.indexOf(b);
      return ia - ib;
    });
    if (order.length === 0) {
      fillTable($('transitions-table'), ['From \\ to'], [['No customer was in a segment in this range.']]);
      return;
    }
    fillTable($('transitions-table'), ['From \\ to'].concat(columns), order.map(function (from) {
      return [from].concat(columns.map(function (to) {
        var n = (view.matrix[from] && view.matrix[from][to]) || 0;
        return { text: fmtInt(n), attrs: { class: n === 0 ? 'zero' : from === to ? 'same' : null, 'data-from': from, 'data-to': to, title: from + ' → ' + to + ': ' + n } };
      }));
    }));
  }

  /** Histogram bins in whole cents, so a value on a bin edge falls in one bin only. */
  function histogram(values) {
    var cents = values.map(function (v) { return Math.round(v * 100); });
    var max = Math.max.apply(null, cents.concat([0]));
    var stepCents = Math.round(niceStep(max / 100 / 12) * 100) || 100;
    var count = Math.floor(max / stepCents) + 1;
    var bins = [];
    for (var i = 0; i < count; i++) bins.push({ lo: (i * stepCents) / 100, hi: ((i + 1) * stepCents) / 100, customers: 0 });
    cents.forEach(function (c) { bins[Math.floor(c / stepCents)].customers++; });
    return bins;
  }

  function renderLifetimeValues(result) {
    var items = result.items;
    var bins = histogram(items.map(function (item) { return item.currentValue.revenue; }));
    $('ltv-note').textContent = fmtInt(items.length) + ' customers with at least one purchase, by revenue to date' +
      (result.truncated ? ' (the first ' + fmtInt(items.length) + ' by revenue only)' : '') + '.';
    if (items.length === 0) empty($('ltv-chart'), 'No customer has a purchase yet.');
    else {
      barChart($('ltv-chart'), bins.map(function (b) {
        return { label: fmtMoney(b.lo).replace(/\.00$/, ''), parts: [{ key: 'revenue ' + fmtMoney(b.lo) + ' to under ' + fmtMoney(b.hi), value: b.customers, color: '#e8833a' }] };
      }), { title: 'Lifetime value distribution', rotate: bins.length > 8, height: 240 });
    }
    fillTable($('ltv-table'), ['Revenue from', 'to under', 'Customers'], bins.map(function (b) {
      return [{ text: fmtMoney(b.lo), attrs: { 'data-lo': b.lo } }, { text: fmtMoney(b.hi), attrs: { 'data-hi': b.hi } }, fmtInt(b.customers)];
    }));

    var top = items.slice(0, TOP_CUSTOMERS);
    var predictive = top.some(function (item) { return item.predictive; });
    var header = ['#', 'Customer', 'Id', 'Revenue', 'Purchases', 'Average order', 'Last purchase'].concat(predictive ? ['Predicted CLV'] : []);
    fillTable($('top-table'), header, top.map(function (item, i) {
      return [String(i + 1), { text: item.name, attrs: { class: 'name' } }, { text: item.customerId.slice(0, 8), attrs: { title: item.customerId, 'data-id': item.customerId } },
        fmtMoney(item.currentValue.revenue), fmtInt(item.currentValue.purchaseCount), fmtMoney(item.currentValue.averageOrderValue),
        item.currentValue.lastPurchaseAt ? item.currentValue.lastPurchaseAt.slice(0, 10) : '–'].concat(predictive ? [item.predictive ? fmtMoney(item.predictive.clv) : '–'] : []);
    }));
  }

  // ------------------------------------------------------------------ wiring

  function setState(state, message) {
    document.body.setAttribute('data-state', state);
    $('status').textContent = message;
  }

  function load() {
    var key = $('api-key').value.trim();
    var from = $('from').value;
    var to = $('to').value;
    var scheme = $('scheme').value;
    if (!key) return setState('error', 'An analyst API key is needed.');
    if (!from || !to || from >= to) return setState('error', 'The range needs a start before its end.');
    sessionStorage.setItem(KEY_STORAGE, key);
    setState('loading', 'Loading…');
    var range = { from: from, to: to };
    return Promise.all([
      api('/analytics/complaints?' + query({ from: from, to: to, groupBy: 'category', interval: 'week' }), key),
      api('/analytics/complaints?' + query({ from: from, to: to, interval: 'week' }), key),
      api('/analytics/segments?' + query({ scheme: scheme, limit: 100 }), key),
      api('/analytics/segments/transitions?' + query({ from: from, to: to, scheme: scheme }), key),
      allLifetimeValues(key),
    ]).then(function (answers) {
      renderComplaints(answers[0]);
      renderSla(answers[1]);
      renderSatisfaction(answers[1]);
      renderSegments(answers[2], scheme);
      renderTransitions(answers[3]);
      renderLifetimeValues(answers[4]);
      setState('ready', 'Complaints registered from ' + range.from + ' to before ' + range.to + '; segments and values as they stand now. Loaded ' + new Date().toLocaleTimeString('en-GB') + '.');
    }).catch(function (error) {
      setState('error', error.message);
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var today = new Date();
    $('to').value = isoDate(new Date(today.getTime() + 86400000));
    $('from').value = isoDate(new Date(today.getTime() - 55 * 86400000));
    var stored = sessionStorage.getItem(KEY_STORAGE);
    if (stored) $('api-key').value = stored;
    $('controls').addEventListener('submit', function (event) { event.preventDefault(); load(); });
    $('scheme').addEventListener('change', function () { if ($('api-key').value) load(); });
    $('forget').addEventListener('click', function () {
      sessionStorage.removeItem(KEY_STORAGE);
      $('api-key').value = '';
      setState('idle', 'The key was removed from this tab.');
    });
    if (stored) load();
  });
})();
