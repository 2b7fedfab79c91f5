/*
 * Relata dashboard: one renderer per panel (window.RelataPanels). The numbers are the API's:
 * nothing here recomputes a measure, except grouping lifetime values into histogram bins.
 */
/* global window -- a browser script */
(function () {
  'use strict';

  var C = window.RelataCharts;
  var $ = C.$;
  var TOP_CUSTOMERS = 10;

  function renderComplaints(report) {
    var series = report.series || [];
    var groups = (report.groups || []).map(function (g) {
      return g.group;
    });
    // Colours by size: the biggest categories keep their own, the rest share "other".
    var bySize = groups.slice().sort(function (a, b) {
      return (report.counts.category[b] || 0) - (report.counts.category[a] || 0);
    });
    var colors = C.categoryColors(bySize);
    var periods = [];
    var byPeriod = {};
    series.forEach(function (row) {
      if (!byPeriod[row.period]) {
        byPeriod[row.period] = {};
        periods.push(row.period);
      }
      byPeriod[row.period][row.group] = row.complaints;
    });
    if (periods.length === 0 || report.totals.complaints === 0) {
      C.empty($('complaints-chart'), 'No complaints registered in this range.');
    } else {
      C.barChart(
        $('complaints-chart'),
        periods.map(function (p) {
          var parts = {};
          groups.forEach(function (g) {
            var key = colors.fold(g);
            parts[key] = (parts[key] || 0) + (byPeriod[p][g] || 0);
          });
          return {
            label: p,
            parts: colors.keys.map(function (k) {
              return { key: k, value: parts[k] || 0, color: colors.color(k) };
            }),
          };
        }),
        { title: 'Complaints per week by category', rotate: true, width: 1200, height: 300 },
      );
    }
    var folded = {};
    groups.forEach(function (g) {
      var key = colors.fold(g);
      folded[key] = (folded[key] || 0) + (report.counts.category[g] || 0);
    });
    C.legend(
      $('complaints-legend'),
      colors.keys.map(function (k) {
        return { label: k + ' (' + C.fmtInt(folded[k]) + ')', color: colors.color(k) };
      }),
    );
    var header = ['Week'].concat(groups).concat(['Total']);
    var rows = periods.map(function (p) {
      var total = groups.reduce(function (s, g) {
        return s + (byPeriod[p][g] || 0);
      }, 0);
      return [p]
        .concat(
          groups.map(function (g) {
            return C.fmtInt(byPeriod[p][g] || 0);
          }),
        )
        .concat([C.fmtInt(total)]);
    });
    rows.push(
      ['Total']
        .concat(
          groups.map(function (g) {
            return C.fmtInt(report.counts.category[g] || 0);
          }),
        )
        .concat([C.fmtInt(report.totals.complaints)]),
    );
    C.fillTable($('complaints-table'), header, rows);
  }

  function renderSla(report) {
    var totals = report.totals.sla;
    var change = report.change.slaCompliance;
    $('sla-figure').textContent = C.fmtPercent(totals.compliance);
    $('sla-detail').textContent =
      C.fmtInt(totals.withinSla) +
      ' of ' +
      C.fmtInt(totals.decided) +
      ' decided · ' +
      C.fmtInt(totals.breaches.complaints) +
      ' breached · previous period ' +
      C.fmtPercent(change.previous);
    var series = report.series || [];
    C.lineChart(
      $('sla-chart'),
      series.map(function (row) {
        return { label: row.period, value: row.sla.compliance === null ? null : row.sla.compliance * 100 };
      }),
      {
        title: 'Compliance per week (%)',
        min: 0,
        max: 100,
        ticks: [0, 25, 50, 75, 100],
        color: '#2ca02c',
        tick: function (t) {
          return t + '%';
        },
        format: function (v) {
          return v.toFixed(1) + '%';
        },
      },
    );
    C.fillTable(
      $('sla-table'),
      ['Week', 'Complaints', 'Decided', 'Within SLA', 'Compliance', 'Breached'],
      series.map(function (row) {
        return [
          row.period,
          C.fmtInt(row.complaints),
          C.fmtInt(row.sla.decided),
          C.fmtInt(row.sla.withinSla),
          C.fmtPercent(row.sla.compliance),
          C.fmtInt(row.sla.breaches.complaints),
        ];
      }),
    );
  }

  /** The follow-up queues as GET /follow-ups/summary counts them. */
  function renderFollowUps(summary) {
    $('follow-ups-figure').textContent = C.fmtInt(summary.overdue) + ' overdue';
    $('follow-ups-detail').textContent =
      'of ' + C.fmtInt(summary.open) + ' open, as of ' + summary.asOf.slice(0, 16).replace('T', ' ') + ' UTC';
    C.fillTable(
      $('follow-ups-table'),
      ['Owner', 'Open', 'Overdue', 'Next due'],
      summary.byOwner.map(function (q) {
        return [q.key, C.fmtInt(q.open), C.fmtInt(q.overdue), q.nextDueAt ? q.nextDueAt.slice(0, 16).replace('T', ' ') : '–'];
      }),
    );
  }

  function renderSatisfaction(report) {
    var csat = report.totals.csat;
    var nps = report.totals.nps;
    $('csat-figure').textContent = C.fmtCsat(csat.average);
    $('csat-detail').textContent = C.fmtInt(csat.responses) + ' answers · change ' + C.fmtSigned(report.change.csatAverage.difference, 2);
    $('nps-figure').textContent = C.fmtNps(nps.score);
    $('nps-detail').textContent =
      C.fmtInt(nps.promoters) +
      ' promoters, ' +
      C.fmtInt(nps.passives) +
      ' passives, ' +
      C.fmtInt(nps.detractors) +
      ' detractors · change ' +
      C.fmtSigned(report.change.nps.difference, 1);
    var series = report.series || [];
    C.lineChart(
      $('csat-chart'),
      series.map(function (row) {
        return { label: row.period, value: row.csat.average };
      }),
      {
        title: 'CSAT per week',
        width: 320,
        height: 180,
        min: 1,
        max: 5,
        ticks: [1, 2, 3, 4, 5],
        color: '#1f77b4',
        tick: String,
        format: C.fmtCsat,
      },
    );
    C.lineChart(
      $('nps-chart'),
      series.map(function (row) {
        return { label: row.period, value: row.nps.score };
      }),
      {
        title: 'NPS per week',
        width: 320,
        height: 180,
        min: -100,
        max: 100,
        ticks: [-100, -50, 0, 50, 100],
        color: '#9467bd',
        tick: String,
        format: C.fmtNps,
      },
    );
    C.fillTable(
      $('satisfaction-table'),
      ['Week', 'CSAT answers', 'CSAT', 'NPS answers', 'NPS'],
      series.map(function (row) {
        return [
          row.period,
          C.fmtInt(row.csat.responses),
          C.fmtCsat(row.csat.average),
          C.fmtInt(row.nps.responses),
          C.fmtNps(row.nps.score),
        ];
      }),
    );
  }

  function renderSegments(page, scheme) {
    var items = page.items;
    $('segments-note').textContent = page.lastRun
      ? 'Customers per ' + scheme + ' segment after the latest segmentation run (as of ' + page.lastRun.asOf.slice(0, 10) + ').'
      : 'No segmentation run yet (POST /analytics/segments/recompute).';
    var colors = C.categoryColors(
      items.map(function (item) {
        return item.segment;
      }),
    );
    C.barChart(
      $('segments-chart'),
      items.map(function (item) {
        return { label: item.segment, parts: [{ key: '', value: item.customers, color: colors.color(item.segment) }] };
      }),
      { title: 'Segment sizes', rotate: true, height: 260 },
    );
    C.fillTable(
      $('segments-table'),
      ['Segment', 'Customers'],
      items.map(function (item) {
        return [item.segment, C.fmtInt(item.customers)];
      }),
    );
  }

  function renderTransitions(view) {
    $('transitions-note').textContent =
      C.fmtInt(view.customers) +
      ' customers by ' +
      view.scheme +
      ' segment on ' +
      view.from.slice(0, 10) +
      ' (rows) and on ' +
      view.to.slice(0, 10) +
      ' (columns); (none) = in no segment.';
    var order = [];
    view.items.forEach(function (item) {
      if (order.indexOf(item.from) < 0) order.push(item.from);
    });
    var columns = [];
    view.items.forEach(function (item) {
      if (columns.indexOf(item.to) < 0) columns.push(item.to);
    });
    // Columns in the rows' order first, so the diagonal (customers who stayed) lines up.
    columns.sort(function (a, b) {
      var ia = order.indexOf(a) < 0 ? order.length : order.indexOf(a);
      var ib = order.indexOf(b) < 0 ? order.length : order.indexOf(b);
      return ia - ib;
    });
    if (order.length === 0) {
      C.fillTable($('transitions-table'), ['From \\ to'], [['No customer was in a segment in this range.']]);
      return;
    }
    C.fillTable(
      $('transitions-table'),
      ['From \\ to'].concat(columns),
      order.map(function (from) {
        return [from].concat(
          columns.map(function (to) {
            var n = (view.matrix[from] && view.matrix[from][to]) || 0;
            return {
              text: C.fmtInt(n),
              attrs: {
                class: n === 0 ? 'zero' : from === to ? 'same' : null,
                'data-from': from,
                'data-to': to,
                title: from + ' → ' + to + ': ' + n,
              },
            };
          }),
        );
      }),
    );
  }

  function renderLifetimeValues(result) {
    var items = result.items;
    var bins = C.logHistogram(
      items.map(function (item) {
        return item.currentValue.revenue;
      }),
    );
    $('ltv-note').textContent =
      C.fmtInt(items.length) +
      ' customers with at least one purchase, by revenue to date, on a log scale (bins 1-2-5)' +
      (result.truncated ? ' (the first ' + C.fmtInt(items.length) + ' by revenue only)' : '') +
      '.';
    if (items.length === 0) C.empty($('ltv-chart'), 'No customer has a purchase yet.');
    else {
      C.barChart(
        $('ltv-chart'),
        bins.map(function (b) {
          return {
            label: C.fmtShortMoney(b.lo),
            parts: [{ key: 'revenue ' + C.fmtMoney(b.lo) + ' to under ' + C.fmtMoney(b.hi), value: b.customers, color: '#ff7f0e' }],
          };
        }),
        { title: 'Lifetime value distribution', height: 240 },
      );
    }
    C.fillTable(
      $('ltv-table'),
      ['Revenue from', 'to under', 'Customers'],
      bins.map(function (b) {
        return [
          { text: C.fmtMoney(b.lo), attrs: { 'data-lo': b.lo } },
          { text: C.fmtMoney(b.hi), attrs: { 'data-hi': b.hi } },
          C.fmtInt(b.customers),
        ];
      }),
    );

    var top = items.slice(0, TOP_CUSTOMERS);
    var predictive = top.some(function (item) {
      return item.predictive;
    });
    $('top-note').textContent = predictive
      ? 'Predicted CLV over a year (10 % discount) as of ' +
        result.asOf +
        (result.asOfBasis === 'model-calibration-end' ? " (the model's calibration end)" : '') +
        '.'
      : 'No CLV model fitted yet: no prediction (POST /analytics/clv/fit).';
    var header = ['#', 'Customer', 'Id', 'Revenue', 'Purchases', 'Average order', 'Last purchase'].concat(
      predictive ? ['P(alive)', 'Predicted CLV'] : [],
    );
    C.fillTable(
      $('top-table'),
      header,
      top.map(function (item, i) {
        return [
          String(i + 1),
          { text: item.name, attrs: { class: 'name' } },
          { text: item.customerId.slice(0, 8), attrs: { title: item.customerId, 'data-id': item.customerId } },
          C.fmtMoney(item.currentValue.revenue),
          C.fmtInt(item.currentValue.purchaseCount),
          C.fmtMoney(item.currentValue.averageOrderValue),
          item.currentValue.lastPurchaseAt ? item.currentValue.lastPurchaseAt.slice(0, 10) : '–',
        ].concat(
          predictive
            ? [
                item.predictive ? C.fmtPercent(item.predictive.probabilityAlive) : '–',
                { text: item.predictive ? C.fmtMoney(item.predictive.clv) : '–', attrs: { class: 'clv' } },
              ]
            : [],
        );
      }),
    );
  }

  /** Revenue per period: the actuals as bars, the model's forecast as a dashed line; null: no model yet. */
  function renderRevenue(view) {
    if (view === null) {
      C.empty($('revenue-chart'), 'No CLV model fitted yet: fit one (POST /analytics/clv/fit) to see the forecast.');
      $('revenue-note').textContent = 'Revenue per period, actual and forecast.';
      C.fillTable($('revenue-table'), ['Period'], []);
      return;
    }
    var bt = view.backtest;
    $('revenue-note').textContent =
      'Forecast from the model fitted to ' +
      view.calibrationEnd +
      ', as of ' +
      view.asOf +
      ', for the ' +
      C.fmtInt(view.cohortCustomers) +
      ' customers known then; actuals known until ' +
      (view.actualsKnownUntil || '–') +
      '.' +
      (bt
        ? ' Backtest over ' +
          bt.periods +
          ' ' +
          view.interval +
          's: MAPE ' +
          (bt.mapeRevenue === null ? '–' : bt.mapeRevenue.toFixed(1) + '%') +
          ' on revenue, ' +
          (bt.mapeTransactions === null ? '–' : bt.mapeTransactions.toFixed(1) + '%') +
          ' on purchases.'
        : '') +
      ' Open suggestions: ' +
      C.fmtMoney(view.pipeline.weightedValue) +
      ' weighted of ' +
      C.fmtMoney(view.pipeline.value) +
      '.';
    C.actualForecastChart(
      $('revenue-chart'),
      view.periods.map(function (p) {
        return { label: p.period, actual: p.actual ? p.actual.revenue : null, forecast: p.forecast ? p.forecast.revenue : null };
      }),
      { title: 'Revenue per ' + view.interval + ', actual and forecast', actualColor: '#1f77b4', forecastColor: '#d62728' },
    );
    C.legend($('revenue-legend'), [
      { label: 'actual revenue', color: '#1f77b4' },
      { label: 'forecast (expected revenue)', color: '#d62728' },
    ]);
    C.fillTable(
      $('revenue-table'),
      ['Period', 'Actual revenue', 'Forecast revenue', 'Actual purchases', 'Forecast purchases'],
      view.periods.map(function (p) {
        return [
          p.period,
          p.actual ? C.fmtMoney(p.actual.revenue) : '–',
          p.forecast ? C.fmtMoney(p.forecast.revenue) : '–',
          p.actual ? C.fmtInt(p.actual.transactions) : '–',
          p.forecast ? p.forecast.transactions.toFixed(1) : '–',
        ];
      }),
    );
  }

  /** One row per campaign, group and currency: money is never added up across currencies. */
  function renderCampaigns(campaigns) {
    var header = [
      'Campaign',
      'As of',
      'Group',
      'Members',
      'Reached',
      'Responded',
      'Response rate',
      'Accepted',
      'Declined',
      'Currency',
      'Revenue',
      'Revenue / member',
      'Margin',
      'Year before: revenue',
    ];
    var rows = [];
    campaigns.forEach(function (r) {
      ['treatment', 'control'].forEach(function (group) {
        var g = r[group];
        var currencies = Object.keys(g.revenue)
          .concat(
            Object.keys(g.baseline).filter(function (c) {
              return !(c in g.revenue);
            }),
          )
          .sort();
        (currencies.length ? currencies : [null]).forEach(function (currency) {
          var money = currency ? g.revenue[currency] : null;
          var before = currency ? g.baseline[currency] : null;
          rows.push([
            r.name,
            r.asOf.slice(0, 10),
            group,
            C.fmtInt(g.members),
            C.fmtInt(g.reached),
            C.fmtInt(g.responded),
            C.fmtPercent(g.responseRate),
            C.fmtInt(g.suggestions.accepted),
            C.fmtInt(g.suggestions.declined),
            currency || '–',
            money ? C.fmtMoney(money.revenue) : '–',
            money ? C.fmtMoney(money.revenuePerMember) : '–',
            money ? C.fmtMoney(money.margin) : '–',
            before ? C.fmtMoney(before.revenue) : '–',
          ]);
        });
      });
    });
    $('campaigns-note').textContent =
      campaigns.length === 0
        ? 'No campaign has been launched yet (POST /campaigns, then POST /campaigns/:id/launch).'
        : "The latest launched campaigns: members against the control group, per currency, as of the window's end (or the as-of chosen).";
    C.fillTable($('campaigns-table'), header, rows);
  }

  window.RelataPanels = {
    renderComplaints: renderComplaints,
    renderSla: renderSla,
    renderSatisfaction: renderSatisfaction,
    renderSegments: renderSegments,
    renderTransitions: renderTransitions,
    renderLifetimeValues: renderLifetimeValues,
    renderRevenue: renderRevenue,
    renderFollowUps: renderFollowUps,
    renderCampaigns: renderCampaigns,
  };
})();
