// Everything that touches the DOM. Data from the server only ever reaches the page through textContent and
// SVG attributes, never innerHTML. No inline styles either (the Content-Security-Policy forbids them): colours
// come from classes in styles.css, geometry from SVG attributes.

import { ConnectionState } from './connection.js';
import { labelOf } from './state.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

const stateText = {
  [ConnectionState.Connected]: 'Connected',
  [ConnectionState.Reconnecting]: 'Reconnecting',
  [ConnectionState.Polling]: 'Polling',
};

const shareText = {
  leader: 'This tab holds the live stream for every tab',
  follower: 'Live stream shared from another tab',
  single: '',
};

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const rate = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 0 });
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

/** A signed score with two decimals: +0.42, -0.31, 0.00. */
export function formatScore(score) {
  const fixed = Math.abs(score).toFixed(2);
  if (fixed === '0.00') {
    return '0.00';
  }

  return (score > 0 ? '+' : '-') + fixed;
}

export function formatTime(date) {
  return Number.isNaN(date.getTime()) ? '' : clock.format(date);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }

  if (text !== undefined) {
    node.textContent = text;
  }

  return node;
}

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) {
    node.setAttribute(name, String(value));
  }

  if (text !== undefined) {
    node.textContent = text;
  }

  return node;
}

function round(value) {
  return Math.round(value * 10) / 10;
}

/** Creates the view over the page's elements. */
export function createView(doc = document) {
  const $ = (id) => doc.getElementById(id);
  const elements = {
    connection: $('connection-state'),
    connectionLabel: $('connection-label'),
    notices: $('notices'),
    total: $('metric-total'),
    positive: $('metric-positive'),
    neutral: $('metric-neutral'),
    negative: $('metric-negative'),
    positiveShare: $('metric-positive-share'),
    neutralShare: $('metric-neutral-share'),
    negativeShare: $('metric-negative-share'),
    rateHour: $('metric-rate-hour'),
    rate24h: $('metric-rate-24h'),
    mixBar: $('mix-bar'),
    tiles: doc.querySelector('.tiles'),
    tickerChart: $('ticker-chart'),
    byTagChart: $('bytag-chart'),
    feed: $('feed'),
    feedEmpty: $('feed-empty'),
    feedHint: $('feed-hint'),
    streamInfo: $('stream-info'),
    heartbeatInfo: $('heartbeat-info'),
    lastEventInfo: $('last-event-info'),
    shareInfo: $('share-info'),
  };

  const notices = new Map();
  let chartFrame = 0;
  let latestState = null;

  function renderNotices() {
    const children = [];
    for (const [key, { kind, text }] of notices) {
      const p = el('p', `notice notice-${kind}`, text);
      p.dataset.notice = key;
      children.push(p);
    }

    elements.notices.replaceChildren(...children);
  }

  function renderMetrics(state) {
    const m = state.metrics;
    elements.tiles.classList.toggle('stale', state.metricsStale);
    if (m === null) {
      return;
    }

    elements.total.textContent = integer.format(m.total);
    elements.positive.textContent = integer.format(m.positive);
    elements.neutral.textContent = integer.format(m.neutral);
    elements.negative.textContent = integer.format(m.negative);
    elements.rateHour.textContent = rate.format(m.rateLastHour);
    elements.rate24h.textContent = rate.format(m.rateLast24h);
    const share = (n) => (m.total > 0 ? `${percent.format(n / m.total)} of items` : '\u00a0');
    elements.positiveShare.textContent = share(m.positive);
    elements.neutralShare.textContent = share(m.neutral);
    elements.negativeShare.textContent = share(m.negative);

    const parts = [];
    const labelled = m.positive + m.neutral + m.negative;
    if (labelled > 0) {
      let x = 0;
      for (const label of ['positive', 'neutral', 'negative']) {
        const width = (m[label] / labelled) * 1000;
        if (width > 0) {
          parts.push(svg('rect', { x: round(x), y: 0, width: round(width), height: 8, class: `mix ${label}` }));
        }

        x += width;
      }
    } else {
      parts.push(svg('rect', { x: 0, y: 0, width: 1000, height: 8, class: 'mix empty' }));
    }

    elements.mixBar.replaceChildren(...parts);
  }

  function feedNode(entry, animate) {
    if (entry.gap) {
      const li = el('li', 'feed-gap', 'Resynchronised: some items may be missing here');
      li.dataset.key = entry.key;
      return li;
    }

    const li = el('li', `feed-item ${entry.sentiment}${animate ? ' enter' : ''}`);
    if (animate) {
      li.addEventListener('animationend', () => li.classList.remove('enter'), { once: true });
    }

    li.dataset.key = entry.id;
    li.dataset.itemId = entry.id;
    li.append(
      el('span', 'feed-ticker', entry.ticker),
      el('span', `badge ${entry.sentiment}`, entry.sentiment),
      scoreGauge(entry.score),
      el('span', `feed-score ${labelOf(entry.score)}`, formatScore(entry.score)),
    );
    const time = el('time', 'feed-time', formatTime(entry.timestamp));
    if (!Number.isNaN(entry.timestamp.getTime())) {
      time.dateTime = entry.timestamp.toISOString();
    }

    li.append(time);
    return li;
  }

  function scoreGauge(score) {
    const gauge = svg('svg', { class: 'gauge', viewBox: '0 0 60 8', 'aria-hidden': 'true', focusable: 'false' });
    const clamped = Math.max(-1, Math.min(1, score));
    const width = Math.max(1.5, Math.abs(clamped) * 30);
    gauge.append(
      svg('rect', { x: 0, y: 3, width: 60, height: 2, rx: 1, class: 'gauge-track' }),
      svg('rect', { x: round(clamped < 0 ? 30 - width : 30), y: 1, width: round(width), height: 6, rx: 2, class: `gauge-bar ${labelOf(clamped)}` }),
      svg('rect', { x: 29.5, y: 0, width: 1, height: 8, class: 'gauge-zero' }),
    );
    return gauge;
  }

  /**
   * Makes the feed list match state.feed, reusing existing rows (keyed by item id) so only new rows animate.
   * @param {boolean} animate whether rows not seen before get the entry animation
   */
  function renderFeed(state, animate = true) {
    const existing = new Map();
    for (const child of elements.feed.children) {
      existing.set(child.dataset.key, child);
    }

    const fresh = state.feed.filter((entry) => !existing.has(entry.gap ? entry.key : entry.id)).length;
    // A replay after a reconnect can bring dozens of items at once: flashing them all is noise, not news.
    const highlight = animate && fresh <= 5;
    const rows = state.feed.map((entry) => existing.get(entry.gap ? entry.key : entry.id) ?? feedNode(entry, highlight));
    let changed = rows.length !== elements.feed.children.length;
    for (let i = 0; !changed && i < rows.length; i++) {
      changed = rows[i] !== elements.feed.children[i];
    }

    if (changed) {
      elements.feed.replaceChildren(...rows);
    }

    const items = state.feed.filter((entry) => !entry.gap).length;
    elements.feedEmpty.hidden = items > 0;
    elements.feedEmpty.textContent = elements.connection.dataset.state === ConnectionState.Polling
      ? 'New items appear here when the live stream is back.'
      : 'Waiting for new items…';
    elements.feedHint.textContent = items > 0 ? `Newest first · ${items} shown` : 'Newest first';
  }

  function renderTickerChart(state) {
    const container = elements.tickerChart;
    const tickers = state.chartTickers();
    if (tickers.length === 0) {
      container.replaceChildren(el('p', 'empty', 'Waiting for sentiment…'));
      return;
    }

    const width = Math.max(280, Math.floor(container.clientWidth || 640));
    const rowHeight = 38;
    const top = 26;
    const height = top + tickers.length * rowHeight + 4;
    const narrow = width < 520;
    const labelWidth = narrow ? 54 : 68;
    const scoreWidth = narrow ? 46 : 56;
    const gap = narrow ? 10 : 18;
    const sparkWidth = Math.round(Math.min(200, Math.max(narrow ? 60 : 90, width * (narrow ? 0.2 : 0.24))));
    const barWidth = Math.max(100, width - labelWidth - scoreWidth - sparkWidth - gap * 2);
    const zeroX = labelWidth + barWidth / 2;
    const half = barWidth / 2 - 4;
    const scoreX = labelWidth + barWidth + gap + scoreWidth;
    const sparkX = scoreX + gap;
    const x = (score) => zeroX + Math.max(-1, Math.min(1, score)) * half;

    const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'ticker-svg' });
    const grid = svg('g', { class: 'grid' });
    grid.append(svg('rect', { x: round(x(-0.2)), y: top - 6, width: round(x(0.2) - x(-0.2)), height: height - top + 2, class: 'neutral-band', rx: 3 }));
    for (const tick of [-1, -0.5, 0, 0.5, 1]) {
      const tx = round(x(tick));
      grid.append(svg('line', { x1: tx, x2: tx, y1: top - 6, y2: height - 4, class: tick === 0 ? 'axis-zero' : 'axis-line' }));
      const text = tick === 0 ? '0' : `${tick > 0 ? '+' : '−'}${Math.abs(tick)}`;
      grid.append(svg('text', { x: tx, y: 12, class: 'axis-label', 'text-anchor': 'middle' }, text));
    }

    grid.append(
      svg('text', { x: scoreX, y: 12, class: 'axis-label', 'text-anchor': 'end' }, 'score'),
      svg('text', { x: sparkX, y: 12, class: 'axis-label' }, narrow ? 'trend' : 'recent updates'),
    );
    root.append(grid);

    tickers.forEach((ticker, index) => {
      const entry = state.tickers.get(ticker);
      const mid = top + index * rowHeight + rowHeight / 2;
      const row = svg('g', { class: 'ticker-row' });
      row.dataset.ticker = ticker;
      const score = entry?.score ?? null;
      const label = entry?.label ?? 'none';
      row.append(svg('title', {}, score === null ? `${ticker}: no recent sentiment` : `${ticker}: ${formatScore(score)} (${label})`));
      row.append(svg('text', { x: 0, y: mid, class: 'ticker-label', 'dominant-baseline': 'central' }, ticker));
      if (score === null) {
        row.append(svg('text', { x: scoreX, y: mid, class: 'score-text none', 'text-anchor': 'end', 'dominant-baseline': 'central' }, '–'));
      } else {
        const x1 = x(Math.min(0, score));
        const x2 = x(Math.max(0, score));
        row.append(
          svg('rect', { x: round(x1), y: mid - 8, width: Math.max(2, round(x2 - x1)), height: 16, rx: 4, class: `bar ${label}` }),
          svg('text', { x: scoreX, y: mid, class: `score-text ${label}`, 'text-anchor': 'end', 'dominant-baseline': 'central' }, formatScore(score)),
        );
      }

      row.append(sparkline(entry?.history ?? [], sparkX, mid - 13, sparkWidth, 26, label));
      root.append(row);
    });

    container.replaceChildren(root);
  }

  function sparkline(history, left, top, width, height, label) {
    const group = svg('g', { class: 'sparkline' });
    const values = history.filter((score) => score !== null);
    // Rolling scores move slowly: scale to the recent range (at least 0.2 wide) so the trend is visible.
    let low = values.length > 0 ? Math.min(...values) : 0;
    let high = values.length > 0 ? Math.max(...values) : 0;
    const pad = Math.max(0, 0.2 - (high - low)) / 2;
    low = Math.max(-1, low - pad);
    high = Math.min(1, high + pad);
    const span = high - low || 1;
    const y = (score) => round(top + ((high - score) / span) * height);
    if (low <= 0 && high >= 0) {
      group.append(svg('line', { x1: left, x2: left + width, y1: y(0), y2: y(0), class: 'spark-zero' }));
    }

    if (values.length === 0) {
      return group;
    }

    const step = history.length > 1 ? width / (history.length - 1) : 0;
    let points = [];
    const flush = () => {
      if (points.length > 1) {
        group.append(svg('polyline', { points: points.join(' '), class: `spark-line ${label}` }));
      }

      points = [];
    };
    history.forEach((score, i) => {
      if (score === null) {
        flush();
      } else {
        points.push(`${round(left + i * step)},${y(score)}`);
      }
    });
    flush();

    const lastIndex = history.findLastIndex((score) => score !== null);
    if (lastIndex >= 0) {
      group.append(svg('circle', { cx: round(left + lastIndex * step), cy: y(history[lastIndex]), r: 3, class: `spark-dot ${label}` }));
    }

    return group;
  }

  function renderByTag(state) {
    const container = elements.byTagChart;
    const entries = state.itemsPerTicker();
    if (entries.length === 0) {
      container.replaceChildren(el('p', 'empty', state.metrics === null ? 'Waiting for metrics…' : 'No items in the last 24 hours'));
      return;
    }

    const width = Math.max(280, Math.floor(container.clientWidth || 640));
    const height = 200;
    const left = 34;
    const top = 20;
    const bottom = 26;
    const plotHeight = height - top - bottom;
    const max = Math.max(...entries.map(([, count]) => count), 1);
    const niceMax = niceCeiling(max);
    const slot = (width - left) / entries.length;
    const barWidth = Math.max(6, Math.min(56, slot * 0.62));

    const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'bytag-svg' });
    const defs = svg('defs');
    const gradient = svg('linearGradient', { id: 'bytag-gradient', x1: 0, x2: 0, y1: 0, y2: 1 });
    gradient.append(svg('stop', { offset: '0%', class: 'grad-top' }), svg('stop', { offset: '100%', class: 'grad-bottom' }));
    defs.append(gradient);
    root.append(defs);

    for (const fraction of [0, 0.5, 1]) {
      const gy = round(top + plotHeight * (1 - fraction));
      root.append(
        svg('line', { x1: left, x2: width, y1: gy, y2: gy, class: fraction === 0 ? 'axis-zero' : 'axis-line' }),
        svg('text', { x: left - 8, y: gy, class: 'axis-label', 'text-anchor': 'end', 'dominant-baseline': 'central' }, integer.format(niceMax * fraction)),
      );
    }

    entries.forEach(([tag, count], i) => {
      const cx = left + slot * i + slot / 2;
      const barHeight = Math.max(count > 0 ? 2 : 0, (count / niceMax) * plotHeight);
      const g = svg('g', { class: 'tag-column' });
      g.dataset.ticker = tag;
      g.append(
        svg('title', {}, `${tag}: ${integer.format(count)} items`),
        svg('rect', { x: round(cx - barWidth / 2), y: round(top + plotHeight - barHeight), width: round(barWidth), height: round(barHeight), rx: 4, class: 'tag-bar' }),
        svg('text', { x: round(cx), y: round(top + plotHeight - barHeight - 6), class: 'tag-count', 'text-anchor': 'middle' }, integer.format(count)),
        svg('text', { x: round(cx), y: height - 8, class: 'tag-label', 'text-anchor': 'middle' }, tag),
      );
      root.append(g);
    });

    container.replaceChildren(root);
  }

  function niceCeiling(value) {
    const magnitude = 10 ** Math.floor(Math.log10(value));
    for (const step of [1, 2, 2.5, 5, 10]) {
      if (value <= step * magnitude) {
        return step * magnitude;
      }
    }

    return 10 * magnitude;
  }

  function drawCharts() {
    chartFrame = 0;
    if (latestState !== null) {
      renderTickerChart(latestState);
      renderByTag(latestState);
    }
  }

  const resizeObserver = new ResizeObserver(() => scheduleCharts(latestState));
  resizeObserver.observe(elements.tickerChart);
  resizeObserver.observe(elements.byTagChart);

  /** Redraws the SVG charts once per animation frame however many events arrived in between. */
  function scheduleCharts(state) {
    latestState = state;
    if (chartFrame === 0 && state !== null) {
      chartFrame = requestAnimationFrame(drawCharts);
    }
  }

  return {
    setConnectionState(state, detail = {}) {
      elements.connection.dataset.state = state;
      if (latestState !== null) {
        renderFeed(latestState, false);
      }

      elements.connectionLabel.textContent = stateText[state];
      const retry = detail.nextRetryMs !== undefined ? `, next attempt in ${Math.ceil(detail.nextRetryMs / 1000)} s` : '';
      elements.connection.title = state === ConnectionState.Connected
        ? 'Live stream connected'
        : state === ConnectionState.Polling
          ? 'Live stream unavailable: polling the metrics every 5 s'
          : `Connecting to the live stream${retry}`;
    },

    /** Shows (or replaces) a notice. kind: info | warning | error. */
    showNotice(key, kind, text) {
      notices.set(key, { kind, text });
      renderNotices();
    },

    hideNotice(key) {
      if (notices.delete(key)) {
        renderNotices();
      }
    },

    renderMetrics(state) {
      renderMetrics(state);
      scheduleCharts(state);
    },

    renderFeed,
    scheduleCharts,

    /** Renders everything from the state, without entry animations (start-up, filter change). */
    renderAll(state) {
      renderMetrics(state);
      renderFeed(state, false);
      scheduleCharts(state);
    },

    setStreamInfo(text) {
      elements.streamInfo.textContent = text;
    },

    setHeartbeat(payload) {
      const connections = Number(payload?.connections);
      const when = formatTime(new Date(payload?.timestamp));
      elements.heartbeatInfo.textContent = Number.isFinite(connections)
        ? `${integer.format(connections)} open stream${connections === 1 ? '' : 's'} · heartbeat ${when}`
        : `heartbeat ${when}`;
    },

    /** Says whether this tab holds the live stream or shows another tab's (see tab-sharing.js). */
    setStreamRole(role) {
      doc.documentElement.dataset.streamRole = role;
      if (elements.shareInfo) {
        elements.shareInfo.textContent = shareText[role] ?? '';
      }
    },

    setLastEvent(type, id) {
      elements.lastEventInfo.textContent = `Last event: ${type} at ${formatTime(new Date())}${id ? ` · id ${id}` : ''}`;
    },
  };
}
