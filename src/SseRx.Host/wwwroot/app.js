// The dashboard's entry point: reads the host's config.js, wires the stream, the state and the view together.

import { ConfigurationPicker } from './configurations.js';
import { ConnectionState } from './connection.js';
import { createView, formatTime } from './render.js';
import { DashboardState } from './state.js';
import { SharedStream } from './tab-sharing.js';

/** A base URL without its trailing slashes; '' (same origin) when absent. */
function base(value) {
  return typeof value === 'string' ? value.trim().replace(/\/+$/, '') : '';
}

const settings = globalThis.SSERX_CONFIG ?? {};
const apiBase = base(settings.API_BASE_URL);
const sseBase = base(settings.SSE_BASE_URL);
const urls = {
  globalStream: `${sseBase}/api/v2/stream`,
  configurationStream: (id) => `${sseBase}/api/v2/configurations/${encodeURIComponent(id)}/stream`,
  metrics: `${apiBase}/api/v2/metrics`,
  configurations: `${apiBase}/api/v2/configurations`,
};

const POLLING_TEXT =
  'The live stream is unavailable, so this page is in polling mode: the numbers refresh every 5 seconds. ' +
  'The live stream is retried in the background.';

const state = new DashboardState();
const view = createView();
let metricsFromStream = false;

function parse(data) {
  try {
    return JSON.parse(data);
  } catch {
    return null;
  }
}

function onEvent({ type, data, lastEventId }) {
  const payload = parse(data);
  view.setLastEvent(type, lastEventId);
  if (payload === null) {
    return;
  }

  switch (type) {
    case 'heartbeat':
      view.setHeartbeat(payload);
      break;
    case 'metrics':
      metricsFromStream = true;
      state.applyMetrics(payload);
      view.renderMetrics(state);
      view.hideNotice('resync');
      break;
    case 'new_item':
      if (state.addItem(payload) !== null) {
        view.renderFeed(state);
      }
      break;
    case 'sentiment_update':
      if (state.applySentiment(payload)) {
        view.scheduleCharts(state);
      }
      break;
    case 'resync':
      state.resync(payload.reason);
      view.renderAll(state);
      view.showNotice('resync', 'info', 'Resynchronising with the server: some updates may have been missed.');
      break;
    default:
      break;
  }
}

// One stream for all of this browser's tabs on the same stream (tab-sharing.js); ?share=0 gives each tab its own.
const connection = new SharedStream({
  share: new URLSearchParams(globalThis.location?.search ?? '').get('share') !== '0',
  metricsUrl: urls.metrics,
  onEvent,
  onRoleChange(role) {
    view.setStreamRole(role);
  },
  onStateChange(connectionState, detail) {
    view.setConnectionState(connectionState, detail);
    if (connectionState === ConnectionState.Polling) {
      view.showNotice('polling', 'warning', POLLING_TEXT);
    } else {
      view.hideNotice('polling');
    }
  },
  onPolledMetrics(metrics) {
    state.applyMetrics(metrics);
    view.renderMetrics(state);
    view.showNotice('polling', 'warning', `${POLLING_TEXT} Last refresh ${formatTime(new Date())}.`);
  },
  onPollError() {
    view.showNotice('polling', 'error', `${POLLING_TEXT} The last refresh failed; retrying.`);
  },
  onRejected(status, target) {
    if (target.configuration) {
      view.showNotice('configuration', 'error', `The saved stream "${target.configuration.name}" is not available (HTTP ${status}). Showing all tickers.`);
      picker.reset();
      stream(null);
    }
  },
});

const picker = new ConfigurationPicker({
  url: urls.configurations,
  form: document.getElementById('config-picker'),
  userInput: document.getElementById('user-id'),
  select: document.getElementById('configuration'),
  status: document.getElementById('config-status'),
  onSelect(configuration) {
    view.hideNotice('configuration');
    stream(configuration);
  },
});

/** Streams `configuration`'s tickers, or everything when null. Resumes from the last event id seen. */
function stream(configuration) {
  if (configuration === null) {
    state.setTickerFilter(null);
    view.setStreamInfo(`Stream: all tickers · ${urls.globalStream}`);
    connection.connect({ url: urls.globalStream, headers: {}, configuration: null });
  } else {
    state.setTickerFilter(configuration.tickers);
    view.setStreamInfo(`Stream: ${configuration.name} (${configuration.tickers.join(', ')})`);
    // EventSource cannot send X-User-ID or Authorization; fetch can, which is why connection.js uses it.
    connection.connect({ url: urls.configurationStream(configuration.id), headers: picker.headers(), configuration });
  }

  view.renderAll(state);
}

async function start() {
  view.setConnectionState(connection.state);

  // The stream sends metrics only when they change, so fetch the current numbers once to fill the tiles
  // straight away. A stream snapshot that arrived first is newer and wins.
  fetch(urls.metrics, { headers: { Accept: 'application/json' }, cache: 'no-store' })
    .then((response) => (response.ok ? response.json() : null))
    .then((metrics) => {
      if (metrics !== null && !metricsFromStream && state.metrics === null) {
        state.applyMetrics(metrics);
        view.renderMetrics(state);
      }
    })
    .catch(() => {
      // The stream or polling fills the tiles later.
    });

  window.addEventListener('online', () => connection.retryNow());
  stream(await picker.start());
}

void start();
