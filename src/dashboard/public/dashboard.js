/*
 * Relata analyst dashboard: plain scripts, no framework, no network beyond this server's API.
 * dashboard-charts.js draws, dashboard-panels.js fills each panel; this file loads the answers
 * and wires the controls. Each load cancels the one it supersedes (AbortController), so an
 * earlier, slower answer never overwrites a later one.
 */
/* global document, fetch, sessionStorage, window, AbortController, setTimeout, clearTimeout -- a browser script */
(function () {
  'use strict';

  var C = window.RelataCharts;
  var P = window.RelataPanels;
  var $ = C.$;
  var KEY_STORAGE = 'relata.dashboard.apiKey';
  /** Pages of lifetime values read for the histogram at most (1,000 customers a page). */
  var MAX_VALUE_PAGES = 100;
  /** Ranges up to this many days are forecast per week, longer ones per month. */
  var WEEKLY_UP_TO_DAYS = 26 * 7;

  /** An API error: the problem's status, code, detail and field messages. */
  function ApiError(path, status, body) {
    var problem = body && typeof body === 'object' ? body : {};
    var fields = Array.isArray(problem.errors)
      ? problem.errors
          .map(function (e) {
            return e.field + ': ' + (e.messages || []).join(', ');
          })
          .join('; ')
      : '';
    this.status = status;
    this.code = problem.code || null;
    this.message =
      path +
      ' answered ' +
      status +
      (problem.title ? ' ' + problem.title : '') +
      (problem.detail ? ': ' + problem.detail : '') +
      (fields ? ' (' + fields + ')' : '') +
      (problem.title || problem.detail ? '' : ' (HTTP ' + status + ')');
  }

  function api(path, key, signal) {
    return fetch(path, { headers: { Authorization: 'Bearer ' + key, Accept: 'application/json' }, signal: signal }).then(
      function (response) {
        return response.text().then(function (text) {
          var body = null;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            body = text;
          }
          if (!response.ok) throw new ApiError(path.split('?')[0], response.status, body);
          return body;
        });
      },
    );
  }

  function query(params) {
    return Object.keys(params)
      .filter(function (k) {
        return params[k] !== undefined && params[k] !== null && params[k] !== '';
      })
      .map(function (k) {
        return encodeURIComponent(k) + '=' + encodeURIComponent(params[k]);
      })
      .join('&');
  }

  /** Every customer with a purchase, biggest revenue first (all pages, up to MAX_VALUE_PAGES). */
  function allLifetimeValues(key, asOf, currency, signal) {
    var items = [];
    var pages = 0;
    function next(cursor) {
      return api(
        '/analytics/lifetime-value?' +
          query({ minPurchases: 1, sort: 'revenue', order: 'desc', limit: 1000, cursor: cursor, asOf: asOf, currency: currency }),
        key,
        signal,
      ).then(function (page) {
        items = items.concat(page.items);
        pages++;
        if (page.nextCursor && pages < MAX_VALUE_PAGES) return next(page.nextCursor);
        return { items: items, truncated: Boolean(page.nextCursor), asOf: page.asOf, asOfBasis: page.asOfBasis, currency: page.currency };
      });
    }
    return next(undefined);
  }

  /** The forecast over the range; null while no model is fitted (asked first: a refused request would be logged as an error). */
  function forecast(key, range, asOf, currency, signal) {
    var days = (Date.parse(range.to) - Date.parse(range.from)) / 86400000;
    var interval = days <= WEEKLY_UP_TO_DAYS ? 'week' : 'month';
    return api('/analytics/clv/models?limit=1', key, signal).then(function (models) {
      if (models.items.length === 0) return null;
      // A model fitted on another currency forecasts nothing in this one.
      return api(
        '/analytics/forecast?' + query({ from: range.from, to: range.to, interval: interval, asOf: asOf, currency: currency }),
        key,
        signal,
      ).catch(function (error) {
        if (error && error.code === 'CLV_MODEL_REQUIRED') return null;
        throw error;
      });
    });
  }

  /** Results of the latest launched campaigns (as of the picker's date, else each window's end or now). */
  var CAMPAIGNS_SHOWN = 5;
  function campaignResults(key, asOf, signal) {
    return api('/campaigns?limit=20', key, signal).then(function (page) {
      var launched = page.items
        .filter(function (c) {
          return c.status === 'launched' || c.status === 'closed';
        })
        .slice(0, CAMPAIGNS_SHOWN);
      return Promise.all(
        launched.map(function (c) {
          return api('/campaigns/' + c.campaignId + '/results?' + query({ asOf: asOf }), key, signal);
        }),
      );
    });
  }

  // ------------------------------------------------------------------ wiring

  function setState(state, message) {
    document.body.setAttribute('data-state', state);
    $('status').textContent = message;
  }

  var current = null;
  /** Draws the last answers again (the charts are drawn at their shown width). */
  var render = null;

  function load() {
    // Whatever was loading is superseded: cancel it, so its answers never land.
    if (current) current.abort();
    var controller = new AbortController();
    current = controller;
    var key = $('api-key').value.trim();
    var from = $('from').value;
    var to = $('to').value;
    var asOf = $('as-of').value;
    var scheme = $('scheme').value;
    var currency = $('currency').value.trim().toUpperCase();
    if (!key) return setState('error', 'An analyst API key is needed.');
    if (!from || !to || from >= to) return setState('error', 'The range needs a start before its end.');
    sessionStorage.setItem(KEY_STORAGE, key);
    setState('loading', 'Loading…');
    var range = { from: from, to: to };
    var signal = controller.signal;
    return Promise.all([
      api('/analytics/complaints?' + query({ from: from, to: to, groupBy: 'category', interval: 'week' }), key, signal),
      api('/analytics/complaints?' + query({ from: from, to: to, interval: 'week' }), key, signal),
      api('/analytics/segments?' + query({ scheme: scheme, limit: 100, asOf: asOf }), key, signal),
      api('/analytics/segments/transitions?' + query({ from: from, to: to, scheme: scheme }), key, signal),
      allLifetimeValues(key, asOf, currency, signal),
      forecast(key, range, asOf, currency, signal),
      api('/follow-ups/summary', key, signal),
      campaignResults(key, asOf, signal),
    ])
      .then(function (answers) {
        if (signal.aborted) return;
        render = function () {
          P.renderComplaints(answers[0]);
          P.renderSla(answers[1]);
          P.renderSatisfaction(answers[1]);
          P.renderSegments(answers[2], scheme);
          P.renderTransitions(answers[3]);
          P.renderLifetimeValues(answers[4]);
          P.renderRevenue(answers[5]);
          P.renderFollowUps(answers[6]);
          P.renderCampaigns(answers[7]);
        };
        render();
        var values = answers[4];
        setState(
          'ready',
          'Complaints registered from ' +
            range.from +
            ' to before ' +
            range.to +
            '; predictions as of ' +
            values.asOf +
            (values.asOfBasis === 'model-calibration-end'
              ? " (the model's calibration end)"
              : values.asOfBasis === 'requested'
                ? ' (chosen)'
                : ' (today)') +
            '; segments as they stand now; values in ' +
            values.currency +
            '. Loaded ' +
            new Date().toLocaleTimeString('en-GB') +
            '.',
        );
      })
      .catch(function (error) {
        // A cancelled load says nothing: the load that cancelled it speaks.
        if (signal.aborted || (error && error.name === 'AbortError')) return;
        setState('error', error.message);
      });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var today = new Date();
    $('to').value = C.isoDate(new Date(today.getTime() + 86400000));
    $('from').value = C.isoDate(new Date(today.getTime() - 55 * 86400000));
    var stored = sessionStorage.getItem(KEY_STORAGE);
    if (stored) $('api-key').value = stored;
    $('controls').addEventListener('submit', function (event) {
      event.preventDefault();
      load();
    });
    ['scheme', 'as-of', 'currency'].forEach(function (id) {
      $(id).addEventListener('change', function () {
        if ($('api-key').value) load();
      });
    });
    $('forget').addEventListener('click', function () {
      if (current) current.abort();
      sessionStorage.removeItem(KEY_STORAGE);
      $('api-key').value = '';
      setState('idle', 'The key was removed from this tab.');
    });
    var resizing = null;
    window.addEventListener('resize', function () {
      clearTimeout(resizing);
      resizing = setTimeout(function () {
        if (render && document.body.getAttribute('data-state') === 'ready') render();
      }, 150);
    });
    if (stored) load();
  });
})();
