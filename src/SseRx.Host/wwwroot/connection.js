// The live connection: one event stream read through fetch(), reconnected with exponential backoff and
// resumed from the last event id, falling back to polling the metrics endpoint while the stream is down.
//
// Why fetch() and not EventSource: EventSource cannot send headers, and a configuration stream needs
// X-User-ID (or Authorization). It also hides the HTTP status, so it cannot tell a 503 with Retry-After from
// a 404 for a configuration that is gone. One code path (and one parser, sse-parser.js) serves both the global
// and the configuration streams. The resume point goes in the lastEventId query parameter, not the
// Last-Event-ID header: a custom header would make every cross-origin connect to the stream role a CORS
// preflight, and the host accepts both.

import { SseParser } from './sse-parser.js';

/** The indicator states; the values are the indicator's data-state attribute. */
export const ConnectionState = Object.freeze({
  Connected: 'connected',
  Reconnecting: 'reconnecting',
  Polling: 'polling',
});

export const defaultConnectionOptions = Object.freeze({
  initialDelayMs: 1000,
  maxDelayMs: 30000,
  jitter: 0.2,
  failuresBeforePolling: 4,
  pollIntervalMs: 5000,
  // Heartbeats come after 30 s of silence at most; a stream quiet for much longer is a dead (half-open)
  // connection that TCP alone may not notice for minutes.
  idleTimeoutMs: 75000,
});

/** Statuses that retrying cannot fix for this target (no identity, configuration gone or not ours). */
const rejectedStatuses = new Set([400, 401, 403, 404, 410]);

/**
 * Appends the resume point as the lastEventId query parameter.
 * @param {string} url
 * @param {string} lastEventId
 */
export function withLastEventId(url, lastEventId) {
  if (!lastEventId) {
    return url;
  }

  const separator = url.includes('?') ? '&' : '?';
  return `${url}${separator}lastEventId=${encodeURIComponent(lastEventId)}`;
}

/**
 * The delay before reconnect attempt number `failures` (1-based): initial * 2^(failures-1), capped, with
 * +/- jitter so that many pages dropped by the same restart do not reconnect in lockstep.
 */
export function backoffDelay(failures, options = defaultConnectionOptions, random = Math.random) {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** exponent);
  const factor = 1 - options.jitter + random() * 2 * options.jitter;
  return Math.round(Math.min(options.maxDelayMs, base * factor));
}

/** Retry-After as milliseconds (delta-seconds or an HTTP date); 0 when absent or unreadable. */
export function retryAfterMs(header, now = Date.now()) {
  if (!header) {
    return 0;
  }

  if (/^\s*\d+\s*$/.test(header)) {
    return Number.parseInt(header, 10) * 1000;
  }

  const date = Date.parse(header);
  return Number.isNaN(date) ? 0 : Math.max(0, date - now);
}

export class StreamConnection {
  #options;
  #fetch;
  #metricsUrl;
  #onEvent;
  #onStateChange;
  #onPolledMetrics;
  #onPollError;
  #onRejected;

  #target = null;
  #run = null;
  #wake = null;
  #state = ConnectionState.Reconnecting;
  #failures = 0;
  #lastEventId = '';
  #serverRetryMs = null;
  #pollTimer = null;

  /**
   * @param {{
   *   metricsUrl: string,
   *   onEvent: (event: { type: string, data: string, lastEventId: string }) => void,
   *   onStateChange?: (state: string, detail: { failures: number, nextRetryMs?: number }) => void,
   *   onPolledMetrics?: (metrics: object) => void,
   *   onPollError?: (error: unknown) => void,
   *   onRejected?: (status: number, target: object) => void,
   *   options?: Partial<typeof defaultConnectionOptions>,
   *   fetchImpl?: typeof fetch,
   * }} settings
   */
  constructor(settings) {
    this.#options = { ...defaultConnectionOptions, ...settings.options };
    this.#fetch = settings.fetchImpl ?? globalThis.fetch.bind(globalThis);
    this.#metricsUrl = settings.metricsUrl;
    this.#onEvent = settings.onEvent;
    this.#onStateChange = settings.onStateChange ?? (() => {});
    this.#onPolledMetrics = settings.onPolledMetrics ?? (() => {});
    this.#onPollError = settings.onPollError ?? (() => {});
    this.#onRejected = settings.onRejected ?? (() => {});
  }

  /** Connected, Reconnecting or Polling (see ConnectionState). */
  get state() {
    return this.#state;
  }

  /** The id of the last event received on any stream; '' before the first. */
  get lastEventId() {
    return this.#lastEventId;
  }

  /** The stream being read or retried: { url, headers }. */
  get target() {
    return this.#target;
  }

  /**
   * Starts reading `target` ({ url, headers }), or switches to it. A switch resumes from the last event id
   * seen on the previous stream, so nothing between the two is lost. `resumeFrom` sets that id when this
   * connection did not see it itself (a tab taking the stream over from another tab, see tab-sharing.js).
   */
  connect(target, { resumeFrom = '' } = {}) {
    if (resumeFrom) {
      this.#lastEventId = resumeFrom;
    }

    this.#target = target;
    this.#run?.abort();
    const run = new AbortController();
    this.#run = run;
    this.#failures = 0;
    if (this.#state === ConnectionState.Connected) {
      this.#setState(ConnectionState.Reconnecting);
    }

    void this.#loop(run.signal);
  }

  /** Skips the current backoff wait (for example when the browser reports it is back online). */
  retryNow() {
    this.#wake?.();
  }

  /** Closes the stream and stops polling and retrying. */
  close() {
    this.#run?.abort();
    this.#run = null;
    this.#stopPolling();
  }

  async #loop(signal) {
    while (!signal.aborted) {
      const outcome = await this.#attempt(signal);
      if (signal.aborted) {
        return;
      }

      if (outcome.status !== undefined && rejectedStatuses.has(outcome.status)) {
        this.#onRejected(outcome.status, this.#target);
        if (signal.aborted) {
          return;
        }
      }

      let delay;
      if (outcome.delivered) {
        // A stream that worked and then ended (maximum lifetime, server restart): come back after the
        // server's retry interval, and do not count it as a failure.
        this.#failures = 0;
        delay = this.#serverRetryMs ?? this.#options.initialDelayMs;
      } else {
        this.#failures++;
        delay = backoffDelay(this.#failures, this.#options);
      }

      delay = Math.max(delay, outcome.retryAfterMs ?? 0);
      if (this.#failures >= this.#options.failuresBeforePolling) {
        this.#startPolling();
      } else if (this.#state !== ConnectionState.Polling) {
        this.#setState(ConnectionState.Reconnecting, delay);
      }

      await this.#sleep(delay, signal);
    }
  }

  async #attempt(signal) {
    const attempt = new AbortController();
    const abortAttempt = () => attempt.abort();
    signal.addEventListener('abort', abortAttempt, { once: true });
    let idleTimer = 0;
    const armIdleTimer = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(abortAttempt, this.#options.idleTimeoutMs);
    };

    let delivered = false;
    try {
      armIdleTimer();
      const target = this.#target;
      const response = await this.#fetch(withLastEventId(target.url, this.#lastEventId), {
        headers: { Accept: 'text/event-stream', ...target.headers },
        cache: 'no-store',
        signal: attempt.signal,
      });
      if (!response.ok) {
        return { delivered, status: response.status, retryAfterMs: retryAfterMs(response.headers.get('Retry-After')) };
      }

      const contentType = response.headers.get('Content-Type') ?? '';
      if (!contentType.toLowerCase().startsWith('text/event-stream') || response.body === null) {
        return { delivered, status: response.status };
      }

      const parser = new SseParser({
        onEvent: (event) => {
          if (signal.aborted) {
            return;
          }

          this.#lastEventId = event.lastEventId;
          if (!delivered) {
            delivered = true;
            this.#failures = 0;
            this.#stopPolling();
            this.#setState(ConnectionState.Connected);
          }

          try {
            this.#onEvent(event);
          } catch (error) {
            // A rendering bug must not tear down the stream (and trigger a reconnect storm).
            console.error('sserx: event handler failed', error);
          }
        },
        onRetry: (ms) => {
          this.#serverRetryMs = ms;
        },
      });

      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          return { delivered };
        }

        armIdleTimer();
        parser.push(value);
      }
    } catch (error) {
      return { delivered, error };
    } finally {
      clearTimeout(idleTimer);
      signal.removeEventListener('abort', abortAttempt);
      attempt.abort();
    }
  }

  #sleep(ms, signal) {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.#wake = done;
    });
  }

  #startPolling() {
    if (this.#state === ConnectionState.Polling) {
      return;
    }

    this.#setState(ConnectionState.Polling);
    const poll = async () => {
      try {
        const response = await this.#fetch(this.#metricsUrl, {
          headers: { Accept: 'application/json' },
          cache: 'no-store',
        });
        if (!response.ok) {
          throw new Error(`GET ${this.#metricsUrl} returned ${response.status}`);
        }

        const metrics = await response.json();
        // A poll answered after the stream came back is older than what the stream delivered.
        if (this.#state === ConnectionState.Polling) {
          this.#onPolledMetrics(metrics);
        }
      } catch (error) {
        if (this.#state === ConnectionState.Polling) {
          this.#onPollError(error);
        }
      }
    };

    void poll();
    this.#pollTimer = setInterval(poll, this.#options.pollIntervalMs);
  }

  #stopPolling() {
    clearInterval(this.#pollTimer);
    this.#pollTimer = null;
  }

  #setState(state, nextRetryMs) {
    const changed = state !== this.#state;
    this.#state = state;
    if (changed || nextRetryMs !== undefined) {
      this.#onStateChange(state, { failures: this.#failures, nextRetryMs });
    }
  }
}
