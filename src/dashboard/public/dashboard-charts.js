/*
 * Relata dashboard: formatting, DOM helpers and the SVG charts, shared by the panels
 * (window.RelataCharts). Every number drawn is also in an SVG <title> or a table cell, so it can
 * be read as text (screen readers, tests).
 */
/* global document, window -- a browser script: these are the page's globals */
(function () {
  'use strict';

  var SVG_NS = 'http://www.w3.org/2000/svg';
  /** Twelve colours told apart (also by most colour-blind readers), and a grey for "other". */
  var PALETTE = [
    '#1f77b4',
    '#ff7f0e',
    '#2ca02c',
    '#d62728',
    '#9467bd',
    '#8c564b',
    '#e377c2',
    '#17becf',
    '#bcbd22',
    '#393b79',
    '#ad494a',
    '#637939',
  ];
  var OTHER_COLOR = '#a3aab5';
  var OTHER = 'other';

  var $ = function (id) {
    return document.getElementById(id);
  };

  // ------------------------------------------------------------------ formatting

  function fmtInt(n) {
    return n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US');
  }
  function fmtMoney(n) {
    return n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  /** Money on an axis: 1.2k, 35k, 1.5M. */
  function fmtShortMoney(n) {
    var abs = Math.abs(n);
    if (abs >= 1e6) return (n / 1e6).toFixed(abs >= 1e7 ? 0 : 1).replace(/\.0$/, '') + 'M';
    if (abs >= 1e3) return (n / 1e3).toFixed(abs >= 1e4 ? 0 : 1).replace(/\.0$/, '') + 'k';
    return String(Math.round(n * 100) / 100);
  }
  function fmtPercent(ratio) {
    return ratio === null || ratio === undefined ? '–' : (ratio * 100).toFixed(1) + '%';
  }
  function fmtCsat(avg) {
    return avg === null || avg === undefined ? '–' : Number(avg).toFixed(2);
  }
  function fmtNps(score) {
    return score === null || score === undefined ? '–' : Number(score).toFixed(1);
  }
  function fmtSigned(n, digits) {
    return n === null || n === undefined ? '–' : (n > 0 ? '+' : '') + Number(n).toFixed(digits);
  }
  function isoDate(date) {
    return date.toISOString().slice(0, 10);
  }

  // ------------------------------------------------------------------ DOM helpers

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

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  /** A table from a header row and body rows; a cell is text or {text, attrs}. */
  function fillTable(table, header, rows) {
    clear(table);
    var cell = function (tag, value) {
      if (value !== null && typeof value === 'object') return el(tag, value.attrs, value.text);
      return el(tag, null, String(value));
    };
    table.appendChild(
      el(
        'thead',
        null,
        el(
          'tr',
          null,
          header.map(function (h) {
            return cell('th', h);
          }),
        ),
      ),
    );
    table.appendChild(
      el(
        'tbody',
        null,
        rows.map(function (row) {
          return el(
            'tr',
            null,
            row.map(function (v, i) {
              return cell(i === 0 ? 'th' : 'td', v);
            }),
          );
        }),
      ),
    );
  }

  function titled(node, text) {
    node.appendChild(svgEl('title', { text: text }));
    return node;
  }

  function empty(container, message) {
    clear(container).appendChild(el('p', { class: 'empty' }, message));
  }

  // ------------------------------------------------------------------ scales

  /** A "nice" step (1, 2, 2.5 or 5 times a power of ten) of at least raw. */
  function niceStep(raw) {
    if (!(raw > 0)) return 1;
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * power >= raw) return steps[i] * power;
    return 10 * power;
  }

  /** Ticks from 0 up to the first one at or above max (so the top of the axis is labelled). */
  function axisTicks(max, count) {
    var step = niceStep(max / count);
    var ticks = [0];
    while (ticks[ticks.length - 1] < max - step / 1e9) ticks.push(ticks[ticks.length - 1] + step);
    return { step: step, top: ticks[ticks.length - 1], ticks: ticks };
  }

  /**
   * Charts are drawn at the width they are shown at (one SVG unit a CSS pixel), so text keeps its
   * size on a phone and the labels thin out to what fits; `fallback` before layout.
   */
  function widthOf(container, fallback) {
    var width = container.clientWidth;
    return width > 0 ? Math.round(width) : fallback;
  }

  /**
   * Which of n labels to draw so that none overlaps: about 7 px per character at 11 px, on slots
   * `slot` px wide (rotated labels need less room each).
   */
  function labelEvery(labels, slot, rotated) {
    var longest = labels.reduce(function (m, l) {
      return Math.max(m, String(l).length);
    }, 1);
    var needed = rotated ? 14 : longest * 6.5 + 6;
    return Math.max(1, Math.ceil(needed / Math.max(slot, 1)));
  }

  /**
   * Colours for categories, biggest first: the first 11 (12 when they are all) keep their own
   * colour, the rest are one "other". Returns {keys, color(key), fold(key)}.
   */
  function categoryColors(keysBySize) {
    var own = keysBySize.length <= PALETTE.length ? keysBySize : keysBySize.slice(0, PALETTE.length - 1);
    var color = {};
    own.forEach(function (k, i) {
      color[k] = PALETTE[i];
    });
    var folded = keysBySize.length > own.length;
    return {
      keys: folded ? own.concat([OTHER]) : own,
      color: function (key) {
        return color[key] || OTHER_COLOR;
      },
      fold: function (key) {
        return Object.prototype.hasOwnProperty.call(color, key) ? key : OTHER;
      },
    };
  }

  // ------------------------------------------------------------------ charts

  /** Vertical bars, stacked when a bar has several parts: bars = [{label, parts: [{key, value, color}]}]. */
  function barChart(container, bars, options) {
    var height = options.height || 240;
    var W = widthOf(container, options.width || 640);
    var rotate = options.rotate && bars.length > 6;
    var m = { top: 18, right: 12, bottom: rotate ? 70 : 34, left: 52 };
    var totals = bars.map(function (b) {
      return b.parts.reduce(function (s, p) {
        return s + p.value;
      }, 0);
    });
    var max = Math.max.apply(null, totals.concat([1]));
    var axis = axisTicks(max, 4);
    var top = Math.max(axis.top, max);
    var plotW = W - m.left - m.right;
    var plotH = height - m.top - m.bottom;
    var slot = plotW / Math.max(bars.length, 1);
    var barW = Math.max(Math.min(slot * 0.7, 60), 2);
    var every = labelEvery(
      bars.map(function (b) {
        return b.label;
      }),
      slot,
      rotate,
    );
    var showValues = slot >= 26;
    var y = function (v) {
      return m.top + plotH - (v / top) * plotH;
    };
    var svg = svgEl('svg', { viewBox: '0 0 ' + W + ' ' + height, role: 'img', 'aria-label': options.title });
    var format = options.format || fmtInt;

    axis.ticks.forEach(function (t) {
      svg.appendChild(svgEl('line', { x1: m.left, x2: W - m.right, y1: y(t), y2: y(t), stroke: '#e3e7ed' }));
      svg.appendChild(
        svgEl('text', {
          x: m.left - 6,
          y: y(t) + 4,
          'text-anchor': 'end',
          'font-size': 11,
          fill: '#5f6b7a',
          text: options.tick ? options.tick(t) : fmtInt(t),
        }),
      );
    });

    bars.forEach(function (bar, i) {
      var x = m.left + slot * i + (slot - barW) / 2;
      var base = 0;
      var group = svgEl('g', { class: 'bar', 'data-label': bar.label, 'data-total': totals[i] });
      bar.parts.forEach(function (part) {
        if (part.value <= 0) return;
        var rect = svgEl('rect', {
          x: x,
          y: y(base + part.value),
          width: barW,
          height: y(base) - y(base + part.value),
          fill: part.color,
          'data-key': part.key,
          'data-value': part.value,
        });
        titled(rect, bar.label + (part.key ? ' · ' + part.key : '') + ': ' + format(part.value));
        group.appendChild(rect);
        base += part.value;
      });
      // The value over the bar where there is room; always in the title and the table.
      group.appendChild(
        svgEl('text', {
          x: x + barW / 2,
          y: y(totals[i]) - 4,
          'text-anchor': 'middle',
          'font-size': 11,
          fill: '#1d2433',
          class: 'data-label' + (showValues ? '' : ' hidden'),
          visibility: showValues ? null : 'hidden',
          text: format(totals[i]),
        }),
      );
      if (i % every === 0) {
        var labelY = height - m.bottom + 14;
        group.appendChild(
          rotate
            ? svgEl('text', {
                x: x + barW / 2,
                y: labelY,
                'text-anchor': 'end',
                'font-size': 10,
                fill: '#5f6b7a',
                class: 'axis-label',
                transform: 'rotate(-35 ' + (x + barW / 2) + ' ' + labelY + ')',
                text: bar.label,
              })
            : svgEl('text', {
                x: x + barW / 2,
                y: labelY,
                'text-anchor': 'middle',
                'font-size': 11,
                fill: '#5f6b7a',
                class: 'axis-label',
                text: bar.label,
              }),
        );
      }
      svg.appendChild(group);
    });
    svg.appendChild(svgEl('line', { x1: m.left, x2: W - m.right, y1: y(0), y2: y(0), stroke: '#8893a3' }));
    clear(container).appendChild(svg);
  }

  /** A line over periods, with a gap where a value is null: points = [{label, value}]. */
  function lineChart(container, points, options) {
    var height = options.height || 200;
    var width = widthOf(container, options.width || 640);
    var m = { top: 22, right: 30, bottom: 30, left: 44 };
    var plotW = width - m.left - m.right;
    var plotH = height - m.top - m.bottom;
    var min = options.min;
    var max = options.max;
    var inset = 16;
    var x = function (i) {
      return m.left + inset + (points.length === 1 ? (plotW - 2 * inset) / 2 : ((plotW - 2 * inset) * i) / (points.length - 1));
    };
    var y = function (v) {
      return m.top + plotH - ((v - min) / (max - min)) * plotH;
    };
    var svg = svgEl('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': options.title });
    svg.appendChild(svgEl('text', { x: m.left, y: 12, 'font-size': 11, fill: '#5f6b7a', text: options.title }));
    options.ticks.forEach(function (t) {
      svg.appendChild(svgEl('line', { x1: m.left, x2: width - m.right, y1: y(t), y2: y(t), stroke: '#e3e7ed' }));
      svg.appendChild(
        svgEl('text', { x: m.left - 6, y: y(t) + 4, 'text-anchor': 'end', 'font-size': 10, fill: '#5f6b7a', text: options.tick(t) }),
      );
    });
    var path = '';
    var pen = false;
    points.forEach(function (p, i) {
      if (p.value === null || p.value === undefined) {
        pen = false;
        return;
      }
      path += (pen ? 'L' : 'M') + x(i).toFixed(1) + ' ' + y(p.value).toFixed(1) + ' ';
      pen = true;
    });
    if (path) svg.appendChild(svgEl('path', { d: path, fill: 'none', stroke: options.color, 'stroke-width': 2 }));
    var slot = points.length > 1 ? (plotW - 2 * inset) / (points.length - 1) : plotW;
    var every = labelEvery(
      points.map(function (p) {
        return p.label;
      }),
      slot,
      false,
    );
    var showValues = slot >= 34;
    points.forEach(function (p, i) {
      if (i % every === 0) {
        svg.appendChild(
          svgEl('text', {
            x: x(i),
            y: height - 10,
            'text-anchor': 'middle',
            'font-size': 10,
            fill: '#5f6b7a',
            class: 'axis-label',
            text: p.label,
          }),
        );
      }
      if (p.value === null || p.value === undefined) return;
      var dot = svgEl('circle', {
        cx: x(i),
        cy: y(p.value),
        r: 3.5,
        fill: options.color,
        class: 'point',
        'data-label': p.label,
        'data-value': p.value,
      });
      titled(dot, p.label + ': ' + options.format(p.value));
      svg.appendChild(dot);
      if (showValues)
        svg.appendChild(
          svgEl('text', {
            x: x(i),
            y: y(p.value) - 7,
            'text-anchor': 'middle',
            'font-size': 10,
            fill: '#1d2433',
            class: 'data-label',
            text: options.format(p.value),
          }),
        );
    });
    clear(container).appendChild(svg);
  }

  /**
   * Actual bars and a forecast line over the same periods: periods = [{label, actual, forecast}]
   * (either may be null).
   */
  function actualForecastChart(container, periods, options) {
    var height = options.height || 260;
    var W = widthOf(container, options.width || 1200);
    var m = { top: 18, right: 16, bottom: 34, left: 56 };
    var values = [];
    periods.forEach(function (p) {
      if (p.actual !== null) values.push(p.actual);
      if (p.forecast !== null) values.push(p.forecast);
    });
    var max = Math.max.apply(null, values.concat([1]));
    var axis = axisTicks(max, 4);
    var top = Math.max(axis.top, max);
    var plotW = W - m.left - m.right;
    var plotH = height - m.top - m.bottom;
    var slot = plotW / Math.max(periods.length, 1);
    var barW = Math.max(Math.min(slot * 0.7, 48), 2);
    var every = labelEvery(
      periods.map(function (p) {
        return p.label;
      }),
      slot,
      false,
    );
    var y = function (v) {
      return m.top + plotH - (v / top) * plotH;
    };
    var cx = function (i) {
      return m.left + slot * i + slot / 2;
    };
    var svg = svgEl('svg', { viewBox: '0 0 ' + W + ' ' + height, role: 'img', 'aria-label': options.title });
    axis.ticks.forEach(function (t) {
      svg.appendChild(svgEl('line', { x1: m.left, x2: W - m.right, y1: y(t), y2: y(t), stroke: '#e3e7ed' }));
      svg.appendChild(
        svgEl('text', { x: m.left - 6, y: y(t) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#5f6b7a', text: fmtShortMoney(t) }),
      );
    });
    periods.forEach(function (p, i) {
      var group = svgEl('g', { class: 'bar', 'data-label': p.label, 'data-total': p.actual === null ? '' : p.actual });
      if (p.actual !== null && p.actual > 0) {
        group.appendChild(
          titled(
            svgEl('rect', {
              x: cx(i) - barW / 2,
              y: y(p.actual),
              width: barW,
              height: y(0) - y(p.actual),
              fill: options.actualColor,
              'data-value': p.actual,
            }),
            p.label + ' actual: ' + fmtMoney(p.actual),
          ),
        );
      }
      if (i % every === 0)
        group.appendChild(
          svgEl('text', {
            x: cx(i),
            y: height - m.bottom + 14,
            'text-anchor': 'middle',
            'font-size': 11,
            fill: '#5f6b7a',
            class: 'axis-label',
            text: p.label,
          }),
        );
      svg.appendChild(group);
    });
    var path = '';
    var pen = false;
    periods.forEach(function (p, i) {
      if (p.forecast === null) {
        pen = false;
        return;
      }
      path += (pen ? 'L' : 'M') + cx(i).toFixed(1) + ' ' + y(p.forecast).toFixed(1) + ' ';
      pen = true;
    });
    if (path)
      svg.appendChild(
        svgEl('path', { d: path, fill: 'none', stroke: options.forecastColor, 'stroke-width': 2, 'stroke-dasharray': '6 3' }),
      );
    periods.forEach(function (p, i) {
      if (p.forecast === null) return;
      svg.appendChild(
        titled(
          svgEl('circle', {
            cx: cx(i),
            cy: y(p.forecast),
            r: 3,
            fill: options.forecastColor,
            class: 'forecast-point',
            'data-label': p.label,
            'data-value': p.forecast,
          }),
          p.label + ' forecast: ' + fmtMoney(p.forecast),
        ),
      );
    });
    svg.appendChild(svgEl('line', { x1: m.left, x2: W - m.right, y1: y(0), y2: y(0), stroke: '#8893a3' }));
    clear(container).appendChild(svg);
  }

  function legend(container, entries) {
    clear(container);
    entries.forEach(function (e) {
      var swatch = svgEl('svg', { width: 10, height: 10, 'aria-hidden': 'true' }, svgEl('rect', { width: 10, height: 10, fill: e.color }));
      container.appendChild(el('span', { class: 'legend-item' }, [swatch, e.label]));
    });
  }

  // ------------------------------------------------------------------ histogram

  /**
   * Money histogram on a log scale: bin edges from the 1-2-5 sequence (1, 2, 5, 10, 20, ...) that
   * covers the values, so a few big customers do not squeeze everyone else into one bar. Values
   * below 1 (and 0) fall in a first bin from 0. Edges in whole cents, so a value on an edge falls
   * in exactly one bin.
   */
  function logHistogram(values) {
    var cents = values.map(function (v) {
      return Math.round(v * 100);
    });
    if (cents.length === 0) return [];
    var max = Math.max.apply(null, cents);
    var positive = cents.filter(function (c) {
      return c >= 100;
    });
    var hasSmall = positive.length < cents.length;
    var min = positive.length ? Math.min.apply(null, positive) : 100;
    var sequence = [];
    for (var power = 100; power <= 1e14; power *= 10) sequence.push(power, 2 * power, 5 * power);
    var first = 0;
    if (!hasSmall) while (first + 1 < sequence.length && sequence[first + 1] <= min) first++;
    var edges = hasSmall ? [0] : [];
    for (var j = first; j < sequence.length; j++) {
      edges.push(sequence[j]);
      if (sequence[j] > max) break;
    }
    var bins = [];
    for (var i = 0; i + 1 < edges.length; i++) bins.push({ lo: edges[i] / 100, hi: edges[i + 1] / 100, customers: 0 });
    cents.forEach(function (c) {
      for (var k = 0; k < bins.length; k++) {
        if (c >= Math.round(bins[k].lo * 100) && c < Math.round(bins[k].hi * 100)) {
          bins[k].customers++;
          return;
        }
      }
    });
    return bins;
  }

  window.RelataCharts = {
    $: $,
    el: el,
    svgEl: svgEl,
    clear: clear,
    fillTable: fillTable,
    empty: empty,
    fmtInt: fmtInt,
    fmtMoney: fmtMoney,
    fmtShortMoney: fmtShortMoney,
    fmtPercent: fmtPercent,
    fmtCsat: fmtCsat,
    fmtNps: fmtNps,
    fmtSigned: fmtSigned,
    isoDate: isoDate,
    barChart: barChart,
    lineChart: lineChart,
    actualForecastChart: actualForecastChart,
    legend: legend,
    logHistogram: logHistogram,
    categoryColors: categoryColors,
    PALETTE: PALETTE,
    OTHER_COLOR: OTHER_COLOR,
  };
})();
