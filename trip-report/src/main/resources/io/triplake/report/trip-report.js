// The trip report's page: draws the embedded data with Apache ECharts, then writes what it drew
// (and any error) into <pre id="report-status"> as JSON, which the tests read from the DOM.
(function () {
  'use strict';
  var status = { rendered: false, tripsInData: 0, tripBars: 0, detailTrips: 0, heatCells: 0, errors: [] };
  var statusEl = document.getElementById('report-status');
  function writeStatus() { statusEl.textContent = JSON.stringify(status); }
  window.addEventListener('error', function (e) {
    status.errors.push(String(e.message || e));
    writeStatus();
  });
  var consoleError = console.error;
  console.error = function () {
    status.errors.push(Array.prototype.map.call(arguments, String).join(' '));
    writeStatus();
    return consoleError.apply(console, arguments);
  };

  var data = JSON.parse(document.getElementById('report-data').textContent);
  var PALETTE = ['#2f6fb3', '#e07b39', '#3a9a5b', '#b84a62', '#7d5fb2', '#c2a23a', '#3fa3b5', '#8a8f98'];
  var HOUR = 3600 * 1000;
  var DAY = 24 * HOUR;

  function esc(text) {
    return String(text == null ? '' : text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function fixed(value, digits) { return value == null ? '–' : Number(value).toFixed(digits); }
  function num(value, digits) {
    return value == null ? '–' : Number(value).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  function utc(ms) { return new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC'; }
  function minutes(seconds) {
    var m = Math.round(seconds / 60);
    return m >= 60 ? Math.floor(m / 60) + ' h ' + (m % 60) + ' min' : m + ' min';
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) { node.textContent = text; }
    return node;
  }
  var charts = [];
  function chart(node) {
    var c = echarts.init(node, null, { renderer: 'canvas' });
    charts.push(c);
    return c;
  }
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });

  var clusters = [];
  data.trips.forEach(function (t) { if (clusters.indexOf(t.cluster) < 0) { clusters.push(t.cluster); } });
  function clusterColor(cluster) { return PALETTE[Math.max(0, clusters.indexOf(cluster)) % PALETTE.length]; }
  var detailed = {};
  data.details.forEach(function (d) { detailed[d.id + '|' + d.cluster] = true; });

  function header() {
    var period = data.from || data.to
      ? 'Trips starting ' + (data.from ? 'from ' + data.from : '') + (data.from && data.to ? ' ' : '') + (data.to ? 'to ' + data.to : '') + ' (UTC days)'
      : 'Every trip in ' + data.tables.trips;
    document.getElementById('period').textContent = period + ' · ' + data.devices.length + ' devices';
    document.getElementById('generated').textContent = 'Written ' + data.generatedAt + ' from ' + data.tables.trips + ', ' + data.tables.deviceDays + ' and ' + data.tables.rejectedFiles + '.';
    document.getElementById('timeline-source').textContent = data.tables.trips;
    var t = data.total;
    var figures = [
      [num(t.trips, 0), 'trips'],
      [num(t.distanceKm, 1), 'km driven'],
      [num(t.drivingH, 1), 'hours driving'],
      [num(t.idleH, 1), 'hours idle'],
      [num(data.devices.length, 0), 'devices'],
      [num(t.days, 0), 'days with trips']
    ];
    var box = document.getElementById('headline-figures');
    figures.forEach(function (f) {
      var card = el('div', { 'class': 'figure' });
      card.appendChild(el('div', { 'class': 'value' }, f[0]));
      card.appendChild(el('div', { 'class': 'label' }, f[1]));
      box.appendChild(card);
    });
  }

  function timeline() {
    var node = document.getElementById('timeline');
    var lanes = data.devices;
    status.tripsInData = data.trips.length;
    if (!lanes.length) {
      node.className = 'chart empty';
      node.style.height = '120px';
      node.textContent = 'No trips in this period.';
      return;
    }
    node.style.height = Math.max(200, 90 + lanes.length * 24) + 'px';
    var laneOf = {};
    lanes.forEach(function (d, i) { laneOf[d] = i; });
    // The x axis: the UTC days any trip touches, side by side, 24 h each; days without trips are left
    // out, so trips years apart stay readable. x = slot of the day * 24 h + time of day.
    var slotOf = {}, slots = [];
    data.trips.forEach(function (t) {
      for (var d = Math.floor(t.startMs / DAY); d <= Math.floor(t.endMs / DAY); d++) {
        if (slotOf[d] == null) { slotOf[d] = -1; slots.push(d); }
      }
    });
    slots.sort(function (a, b) { return a - b; });
    slots.forEach(function (d, i) { slotOf[d] = i; });
    if (!slots.length) { slots.push(Math.floor(Date.parse((data.from || '1970-01-01') + 'T00:00:00Z') / DAY)); slotOf[slots[0]] = 0; }
    function x(ms) { var d = Math.floor(ms / DAY); return slotOf[d] * DAY + (ms - d * DAY); }
    function dayLabel(slot) { return new Date(slots[slot] * DAY).toISOString().slice(0, 10); }
    var step = slots.length <= 2 ? DAY / 4 : slots.length <= 16 ? DAY : Math.ceil(slots.length / 16) * DAY;
    var items = data.trips.map(function (t, i) {
      return { value: [laneOf[t.device], x(t.startMs), x(t.endMs), i], itemStyle: { color: clusterColor(t.cluster) } };
    });
    var drawn = {};
    var c = chart(node);
    c.setOption({
      animation: false,
      useUTC: true,
      tooltip: {
        formatter: function (p) {
          var t = data.trips[p.value[3]];
          return '<b>' + esc(t.id) + '</b><br>' + esc(t.device) + ' · ' + esc(t.cluster) +
            '<br>' + esc(utc(t.startMs)) + ' → ' + esc(utc(t.endMs)) +
            '<br>duration ' + esc(minutes(t.durationS)) + ' · distance ' + esc(fixed(t.distanceKm, 2)) + ' km' +
            '<br>top speed ' + esc(fixed(t.maxSpeedKmh, 1)) + ' km/h · idle ' + esc(t.idleS == null ? '–' : minutes(t.idleS));
        }
      },
      grid: { left: 90, right: 24, top: 16, bottom: 70 },
      xAxis: {
        type: 'value',
        min: 0,
        max: slots.length * DAY,
        interval: step,
        axisLabel: {
          hideOverlap: true,
          formatter: function (v) {
            var slot = Math.floor(v / DAY);
            var rest = v - slot * DAY;
            if (slot >= slots.length) { return ''; }
            return rest === 0 ? dayLabel(slot) : String(Math.round(rest / HOUR)).padStart(2, '0') + ':00';
          }
        },
        splitLine: { show: true, lineStyle: { color: '#d5dbe2' } }
      },
      yAxis: { type: 'category', data: lanes, inverse: true, axisTick: { show: false } },
      dataZoom: [
        { type: 'slider', xAxisIndex: 0, filterMode: 'weakFilter', bottom: 12, height: 22 },
        { type: 'inside', xAxisIndex: 0, filterMode: 'weakFilter' }
      ],
      series: [{
        type: 'custom',
        name: 'trips',
        progressive: 0,
        encode: { x: [1, 2], y: 0 },
        data: items,
        renderItem: function (params, api) {
          var lane = api.value(0);
          var start = api.coord([api.value(1), lane]);
          var end = api.coord([api.value(2), lane]);
          var height = api.size([0, 1])[1] * 0.62;
          var shape = echarts.graphic.clipRectByRect(
            { x: start[0], y: start[1] - height / 2, width: Math.max(end[0] - start[0], 2), height: height },
            { x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height });
          if (!shape) { return null; }
          drawn[params.dataIndex] = true;
          var trip = data.trips[api.value(3)];
          var style = api.style();
          if (detailed[trip.id + '|' + trip.cluster]) { style.stroke = '#1d2733'; style.lineWidth = 1.5; }
          return { type: 'rect', shape: shape, style: style };
        }
      }]
    });
    c.on('click', function (p) {
      var t = data.trips[p.value[3]];
      var target = document.getElementById('trip-' + t.id + '-' + t.cluster);
      if (target) { target.scrollIntoView({ behavior: 'smooth' }); }
    });
    status.tripBars = Object.keys(drawn).length;
  }

  function totals() {
    var rows = data.totals;
    var node = document.getElementById('hours');
    if (!rows.length) { node.style.display = 'none'; }
    else {
      node.style.height = Math.max(160, 70 + rows.length * 20) + 'px';
      chart(node).setOption({
        animation: false,
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        legend: { top: 0 },
        grid: { left: 90, right: 24, top: 30, bottom: 30 },
        xAxis: { type: 'value', name: 'hours', nameLocation: 'end' },
        yAxis: { type: 'category', data: rows.map(function (r) { return r.device; }), inverse: true },
        series: [
          { name: 'driving', type: 'bar', stack: 'h', color: '#2f6fb3', data: rows.map(function (r) { return +r.drivingH.toFixed(2); }) },
          { name: 'idle', type: 'bar', stack: 'h', color: '#e0a33a', data: rows.map(function (r) { return +r.idleH.toFixed(2); }) }
        ]
      });
    }
    var table = document.getElementById('totals');
    var head = el('tr');
    ['device', 'trips', 'days', 'km', 'driving h', 'idle h', 'trip hours'].forEach(function (h) { head.appendChild(el('th', {}, h)); });
    table.appendChild(head);
    function line(r, label, cls) {
      var tr = el('tr', cls ? { 'class': cls } : {});
      [label, num(r.trips, 0), num(r.days, 0), num(r.distanceKm, 1), num(r.drivingH, 1), num(r.idleH, 1), num(r.durationH, 1)]
        .forEach(function (v) { tr.appendChild(el('td', {}, v)); });
      table.appendChild(tr);
    }
    rows.forEach(function (r) { line(r, r.device + (r.trips ? '' : ' (no trips)')); });
    line(data.total, 'all devices', 'total');
  }

  function pathExtent(points, aspect) {
    var minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    points.forEach(function (p) {
      minX = Math.min(minX, p[0]); maxX = Math.max(maxX, p[0]);
      minY = Math.min(minY, p[1]); maxY = Math.max(maxY, p[1]);
    });
    // Equal distances look equal: a degree of longitude is cos(latitude) of one of latitude.
    var k = Math.max(0.05, Math.cos(((minY + maxY) / 2) * Math.PI / 180));
    var w = Math.max((maxX - minX) * k, 1e-4), h = Math.max(maxY - minY, 1e-4);
    if (w / h > aspect) { h = w / aspect; } else { w = h * aspect; }
    w *= 1.08; h *= 1.08;
    var cx = (minX + maxX) / 2, cy = (minY + maxY) / 2;
    return { x: [cx - w / k / 2, cx + w / k / 2], y: [cy - h / 2, cy + h / 2] };
  }

  function details() {
    var box = document.getElementById('details');
    var note = document.getElementById('details-note');
    if (!data.details.length) {
      note.textContent = data.trips.length ? 'No trip drawn (--trips 0).' : 'No trips in this period.';
      return;
    }
    note.textContent = 'The ' + data.details.length + ' longest trips, longest first: speed over the trip (km/h) and the GNSS path (valid fixes), from their raw rows, downsampled for drawing.';
    data.details.forEach(function (d) {
      var card = el('div', { 'class': 'trip', id: 'trip-' + d.id + '-' + d.cluster });
      card.appendChild(el('h3', {}, d.device + ' · ' + utc(d.startMs) + ' · ' + minutes(d.durationS) + ' · ' + fixed(d.distanceKm, 2) + ' km'));
      card.appendChild(el('p', { 'class': 'muted' }, 'trip ' + d.id + ' (cluster ' + d.cluster + ')' +
        (d.speedTable ? ' · speed: ' + d.speedTable + ', ' + d.speedRows + ' samples' : '') +
        (d.positionTable ? ' · path: ' + d.positionTable + ', ' + d.positionRows + ' fixes' : '') +
        (d.note ? ' · ' + d.note : '')));
      var pair = el('div', { 'class': 'pair' });
      var speedNode = el('div', { 'class': 'chart' });
      var pathNode = el('div', { 'class': 'chart' });
      pair.appendChild(speedNode);
      pair.appendChild(pathNode);
      card.appendChild(pair);
      box.appendChild(card);
      if (d.speed.length) {
        chart(speedNode).setOption({
          animation: false,
          useUTC: true,
          tooltip: { trigger: 'axis', valueFormatter: function (v) { return fixed(v, 1) + ' km/h'; } },
          grid: { left: 50, right: 16, top: 24, bottom: 30 },
          xAxis: { type: 'time' },
          yAxis: { type: 'value', name: 'km/h', min: 0 },
          series: [{
            type: 'line', name: 'speed', showSymbol: false, sampling: 'lttb', lineStyle: { width: 1.2 }, color: clusterColor(d.cluster),
            areaStyle: { opacity: 0.12 },
            data: d.speed.map(function (p) { return [d.startMs + p[0] * 1000, p[1]]; })
          }]
        });
      } else {
        speedNode.className = 'chart empty';
        speedNode.textContent = 'No speed samples';
      }
      if (d.path.length) {
        var extent = pathExtent(d.path, Math.max(0.5, (pathNode.clientWidth - 70) / 206));
        var first = d.path[0], last = d.path[d.path.length - 1];
        chart(pathNode).setOption({
          animation: false,
          tooltip: { trigger: 'item', formatter: function (p) { return esc(p.seriesName) + '<br>' + esc(fixed(p.value[1], 5)) + ', ' + esc(fixed(p.value[0], 5)); } },
          grid: { left: 60, right: 10, top: 14, bottom: 24 },
          xAxis: { type: 'value', min: extent.x[0], max: extent.x[1], axisLabel: { formatter: function (v) { return v.toFixed(3); } }, splitLine: { lineStyle: { color: '#eef1f4' } } },
          yAxis: { type: 'value', min: extent.y[0], max: extent.y[1], axisLabel: { formatter: function (v) { return v.toFixed(3); } }, splitLine: { lineStyle: { color: '#eef1f4' } } },
          series: [
            { type: 'line', name: 'path', showSymbol: false, lineStyle: { width: 2 }, color: clusterColor(d.cluster), data: d.path },
            { type: 'scatter', name: 'start', symbolSize: 10, color: '#3a9a5b', data: [first] },
            { type: 'scatter', name: 'end', symbolSize: 10, color: '#b84a62', data: [last] }
          ]
        });
      } else {
        pathNode.className = 'chart empty';
        pathNode.textContent = 'No GNSS fixes';
      }
      status.detailTrips++;
    });
  }

  function coverage() {
    var cov = data.coverage;
    var note = document.getElementById('coverage-note');
    var chartsBox = document.getElementById('coverage-charts');
    if (!cov.present) {
      note.className = 'missing';
      note.textContent = 'The table ' + cov.table + ' does not exist yet: run aggregate to create it. Coverage and lateness need it; rejected files are listed below.';
    } else {
      note.textContent = 'Per device and UTC day, all messages together (' + cov.table + '): left, rows logged; right, the largest delay from a row to its file\'s registration. ✕: files rejected by register (' + data.tables.rejectedFiles + ').';
    }
    var cells = cov.cells;
    if (!cells.length || !cov.days.length) {
      chartsBox.style.display = 'none';
    } else {
      var lanes = data.devices;
      var laneOf = {}, dayOf = {};
      lanes.forEach(function (d, i) { laneOf[d] = i; });
      cov.days.forEach(function (d, i) { dayOf[d] = i; });
      var shown = cells.filter(function (c) { return laneOf[c.device] != null && dayOf[c.day] != null; });
      status.heatCells = shown.length;
      var height = Math.max(200, 110 + lanes.length * 20) + 'px';
      function tip(p) {
        var c = shown[p.dataIndex] || {};
        return '<b>' + esc(c.device) + ' · ' + esc(c.day) + '</b>' +
          '<br>' + esc(num(c.rows, 0)) + ' rows in ' + esc(num(c.files, 0)) + ' files of ' + esc(c.messages) + ' messages' +
          '<br>first to last row: ' + esc(fixed(c.spanH, 1)) + ' h · largest gap ' + esc(fixed(c.maxGapS, 0)) + ' s (' + esc(c.gapsOverLimit) + ' over the limit)' +
          '<br>largest lag ' + esc(fixed(c.maxLagH, 1)) + ' h · out-of-order files ' + esc(c.outOfOrderFiles) +
          '<br>rejected files ' + esc(c.rejectedFiles);
      }
      function heat(node, name, value, unit, colors) {
        node.style.height = height;
        var values = shown.map(value).filter(function (v) { return v != null; });
        var max = values.length ? Math.max.apply(null, values) : 1;
        var rejected = shown.filter(function (c) { return c.rejectedFiles > 0; });
        chart(node).setOption({
          animation: false,
          title: { text: name, left: 'center', textStyle: { fontSize: 13 } },
          tooltip: { formatter: function (p) { return p.seriesType === 'heatmap' ? tip(p) : esc(p.value[2]) + ' rejected files'; } },
          grid: { left: 90, right: 16, top: 30, bottom: 80 },
          xAxis: { type: 'category', data: cov.days, splitArea: { show: true } },
          yAxis: { type: 'category', data: lanes, inverse: true, splitArea: { show: true } },
          visualMap: { min: 0, max: Math.max(max, 1e-9), calculable: true, orient: 'horizontal', left: 'center', bottom: 4, itemHeight: 120, text: [fixed(max, 1) + ' ' + unit, '0'], inRange: { color: colors }, seriesIndex: 0 },
          series: [
            { type: 'heatmap', name: name, data: shown.map(function (c) { return [dayOf[c.day], laneOf[c.device], value(c)]; }) },
            { type: 'scatter', name: 'rejected', symbol: 'path://M2,0 L10,8 L18,0 L20,2 L12,10 L20,18 L18,20 L10,12 L2,20 L0,18 L8,10 L0,2 Z', symbolSize: 11, color: '#c0392b',
              data: rejected.map(function (c) { return [dayOf[c.day], laneOf[c.device], c.rejectedFiles]; }) }
          ]
        });
      }
      if (cov.present) {
        heat(document.getElementById('coverage'), 'rows logged', function (c) { return c.rows; }, 'rows', ['#f1f6fb', '#9cc3e6', '#2f6fb3', '#173b63']);
        heat(document.getElementById('lateness'), 'largest lag (h)', function (c) { return c.maxLagH; }, 'h', ['#fbf5ea', '#f2c27b', '#d9772b', '#8e3b12']);
      } else {
        heat(document.getElementById('coverage'), 'rejected files', function (c) { return c.rejectedFiles; }, 'files', ['#fbeeee', '#e08c8c', '#a12b2b']);
        document.getElementById('lateness').style.display = 'none';
      }
    }
    var box = document.getElementById('rejected');
    if (!cov.rejectedCount) {
      box.appendChild(el('p', { 'class': 'muted' }, 'No rejected files (' + data.tables.rejectedFiles + ').'));
      return;
    }
    box.appendChild(el('h3', {}, cov.rejectedCount + ' rejected files' + (cov.rejected.length < cov.rejectedCount ? ' (the first ' + cov.rejected.length + ' listed)' : '')));
    var table = el('table', { 'class': 'rejected' });
    var head = el('tr');
    ['device', 'day', 'message', 'reason', 'file'].forEach(function (h) { head.appendChild(el('th', {}, h)); });
    table.appendChild(head);
    cov.rejected.forEach(function (r) {
      var tr = el('tr');
      [r.device || '–', r.day || '–', r.message || '–', r.reason || '', r.path].forEach(function (v) { tr.appendChild(el('td', {}, v)); });
      table.appendChild(tr);
    });
    box.appendChild(table);
  }

  var steps = [header, timeline, totals, details, coverage];
  steps.forEach(function (step) {
    try {
      step();
    } catch (e) {
      status.errors.push(step.name + ': ' + (e && e.stack ? e.stack : String(e)));
    }
  });
  status.rendered = status.errors.length === 0;
  writeStatus();
})();
