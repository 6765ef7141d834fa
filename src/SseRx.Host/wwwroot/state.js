// What the dashboard knows, independent of the DOM: the latest metrics, each ticker's rolling sentiment with a
// short history for its sparkline, and the feed of new items (newest first, bounded, de-duplicated by item id).

export const FEED_CAPACITY = 50;
export const SPARKLINE_POINTS = 40;
// Ids remembered for de-duplication: more than the feed holds, so an item replayed after it scrolled out of
// the feed (a resume that overlaps) is still recognised.
const SEEN_CAPACITY = 1000;

const labels = new Set(['positive', 'neutral', 'negative']);

/** The label a score falls under, with the same thresholds as the server's rolling sentiment. */
export function labelOf(score) {
  if (score > 0.2) {
    return 'positive';
  }

  return score < -0.2 ? 'negative' : 'neutral';
}

function number(value) {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

/** Normalises a metrics payload (event or GET /api/v2/metrics) so rendering never meets undefined. */
export function normalizeMetrics(payload) {
  const byTag = new Map();
  if (payload && typeof payload.by_tag === 'object' && payload.by_tag !== null) {
    for (const [tag, count] of Object.entries(payload.by_tag)) {
      byTag.set(tag, number(count));
    }
  }

  return {
    total: number(payload?.total),
    positive: number(payload?.positive),
    neutral: number(payload?.neutral),
    negative: number(payload?.negative),
    byTag,
    rateLastHour: number(payload?.rate_last_hour),
    rateLast24h: number(payload?.rate_last_24h),
  };
}

export class DashboardState {
  /** @type {ReturnType<typeof normalizeMetrics> | null} */
  metrics = null;
  /** True after a resync until fresh metrics arrive. */
  metricsStale = false;
  /** ticker -> { score: number | null, label: string | null, history: (number | null)[] } (null = gap) */
  tickers = new Map();
  /** Newest first. Entries are items, or { gap: true, key, reason } markers left by a resync. */
  feed = [];
  /** Set of tickers to show, or null for all. */
  tickerFilter = null;
  #seen = new Set();
  #gaps = 0;

  applyMetrics(payload) {
    this.metrics = normalizeMetrics(payload);
    this.metricsStale = false;
  }

  applySentiment(payload) {
    const ticker = String(payload?.ticker ?? '');
    if (ticker === '' || !this.#visible(ticker)) {
      return false;
    }

    const score = number(payload.score);
    const label = labels.has(payload.label) ? payload.label : labelOf(score);
    const entry = this.tickers.get(ticker) ?? { score: null, label: null, history: [] };
    entry.score = score;
    entry.label = label;
    entry.history.push(score);
    if (entry.history.length > SPARKLINE_POINTS) {
      entry.history.splice(0, entry.history.length - SPARKLINE_POINTS);
    }

    this.tickers.set(ticker, entry);
    return true;
  }

  /**
   * Adds a new item at the top of the feed. Returns the normalised item, or null when it was already seen
   * (a replay after a reconnect) or is outside the ticker filter.
   */
  addItem(payload) {
    const id = String(payload?.item_id ?? '');
    if (id === '' || this.#seen.has(id)) {
      return null;
    }

    const item = {
      id,
      ticker: String(payload.ticker ?? ''),
      sentiment: labels.has(payload.sentiment) ? payload.sentiment : labelOf(number(payload.score)),
      score: number(payload.score),
      timestamp: new Date(payload.timestamp),
    };
    if (!this.#visible(item.ticker)) {
      return null;
    }

    this.#remember(id);
    this.feed.unshift(item);
    this.#trimFeed();
    return item;
  }

  /**
   * The server could not resume from our last event id, so events may have been missed. What that invalidates:
   * the metrics (a fresh snapshot follows), the continuity of each sparkline (a gap is drawn) and of the feed
   * (a marker is shown). Items already shown are still true, so they stay.
   */
  resync(reason) {
    this.metricsStale = this.metrics !== null;
    for (const entry of this.tickers.values()) {
      if (entry.history.length > 0 && entry.history.at(-1) !== null) {
        entry.history.push(null);
      }
    }

    if (this.feed.length > 0 && !this.feed[0].gap) {
      this.feed.unshift({ gap: true, key: `gap-${++this.#gaps}`, reason: String(reason ?? '') });
    }
  }

  /** Shows only `tickers` (an iterable), or everything when null; drops what falls outside. */
  setTickerFilter(tickers) {
    this.tickerFilter = tickers === null ? null : new Set(tickers);
    if (this.tickerFilter === null) {
      return;
    }

    for (const ticker of [...this.tickers.keys()]) {
      if (!this.#visible(ticker)) {
        this.tickers.delete(ticker);
      }
    }

    this.feed = this.feed.filter((entry) => entry.gap || this.#visible(entry.ticker));
    while (this.feed.length > 0 && this.feed.at(-1).gap) {
      this.feed.pop();
    }
  }

  /** The tickers to chart: those with sentiment plus those counted in the metrics, filtered, sorted. */
  chartTickers() {
    const all = new Set(this.tickers.keys());
    if (this.metrics !== null) {
      for (const tag of this.metrics.byTag.keys()) {
        if (this.#visible(tag)) {
          all.add(tag);
        }
      }
    }

    return [...all].sort();
  }

  /** Item counts per visible ticker, largest first. */
  itemsPerTicker() {
    if (this.metrics === null) {
      return [];
    }

    return [...this.metrics.byTag.entries()]
      .filter(([tag]) => this.#visible(tag))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  }

  #visible(ticker) {
    return this.tickerFilter === null || this.tickerFilter.has(ticker);
  }

  #remember(id) {
    this.#seen.add(id);
    if (this.#seen.size > SEEN_CAPACITY) {
      // Sets iterate in insertion order, so the first value is the oldest.
      this.#seen.delete(this.#seen.values().next().value);
    }
  }

  #trimFeed() {
    let items = 0;
    let keep = this.feed.length;
    for (let i = 0; i < this.feed.length; i++) {
      if (!this.feed[i].gap && ++items > FEED_CAPACITY) {
        keep = i;
        break;
      }
    }

    this.feed.length = keep;
    while (this.feed.length > 0 && this.feed.at(-1).gap) {
      this.feed.pop();
    }
  }
}
