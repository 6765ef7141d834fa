// Tab sharing: one live stream per browser for every dashboard tab on the same stream.
//
// Why: over HTTP/1.1 a browser opens at most six connections to one host, and an open event stream holds one for
// as long as its tab is open, so a seventh tab never connects (and the page's other requests queue behind them).
// Here one tab, the leader, holds the stream and passes every event to the other tabs over a BroadcastChannel.
// The leader is the tab that holds a Web Lock named after the stream: when its tab closes (or switches streams)
// the browser releases the lock, the next tab waiting for it takes over at once and resumes from the last event id
// it was passed, so the server replays whatever the old leader never forwarded and nothing is lost.
// A tab that joins asks the leader for what it needs to show the current state (the latest metrics, each
// ticker's latest sentiment, the recent items) and then gets every event live.
//
// Tabs share only when they stream the same URL with the same headers (a saved configuration of one user is its own
// stream). Without Web Locks or BroadcastChannel (an insecure http:// origin other than localhost), or with `share`
// off (?share=0 in the page's URL), every tab streams on its own, as before. Over HTTP/2 the six-connection limit
// does not apply, but sharing still saves the server a stream per tab.

import { StreamConnection } from './connection.js';

/** What this tab does with the stream; the values are the page's data-stream-role attribute. */
export const StreamRole = Object.freeze({
  Leader: 'leader',
  Follower: 'follower',
  Single: 'single',
});

/** Items a joining tab is given (the feed shows 50). */
const CACHED_ITEMS = 50;

/** A lock and channel name for a stream target: the same URL and headers give the same name. */
export function groupName(target) {
  const key = JSON.stringify([target.url, Object.entries(target.headers ?? {}).sort()]);
  // FNV-1a, 32 bits: a short name; a collision would only make two streams' tabs wait on one lock.
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }

  return `sserx-stream-${hash.toString(16).padStart(8, '0')}`;
}

/**
 * What a tab that joins needs to show the current state: the latest event of each kind of state (metrics, each
 * ticker's sentiment, the last heartbeat) and the most recent items, in the order they arrived.
 */
export class EventCache {
  #entries = new Map();
  #items = [];

  add(event) {
    let key = event.type;
    try {
      const data = JSON.parse(event.data);
      if (event.type === 'sentiment_update') {
        key = `sentiment:${data.ticker}`;
      } else if (event.type === 'new_item') {
        key = `item:${data.item_id}`;
      }
    } catch {
      return;
    }

    if (event.type === 'resync') {
      return;
    }

    this.#entries.delete(key);
    this.#entries.set(key, event);
    if (event.type === 'new_item') {
      this.#items.push(key);
      while (this.#items.length > CACHED_ITEMS) {
        this.#entries.delete(this.#items.shift());
      }
    }
  }

  /** The cached events, oldest first. */
  snapshot() {
    return [...this.#entries.values()];
  }
}

/**
 * A StreamConnection shared by the tabs of one browser. It takes the same settings as StreamConnection (onEvent,
 * onStateChange, onPolledMetrics, onPollError, onRejected, metricsUrl, options, fetchImpl) and calls them the same
 * way in every tab, whichever tab holds the stream, plus onRoleChange(role).
 */
export class SharedStream {
  #settings;
  #locks;
  #Channel;
  #share;
  #id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  #group = null;
  #single = null;
  #role = StreamRole.Single;
  #state = 'reconnecting';
  #lastEventId = '';
  #target = null;
  #cache = new EventCache();

  /**
   * @param {object} settings StreamConnection's settings, plus:
   *   onRoleChange?: (role: string) => void,
   *   share?: boolean (default true),
   *   locks?: LockManager (default navigator.locks), BroadcastChannel?: typeof BroadcastChannel (for tests)
   */
  constructor(settings) {
    this.#settings = settings;
    this.#locks = settings.locks ?? globalThis.navigator?.locks;
    this.#Channel = settings.BroadcastChannel ?? globalThis.BroadcastChannel;
    this.#share = settings.share !== false && Boolean(this.#locks) && typeof this.#Channel === 'function';
  }

  /** Leader, Follower or Single (see StreamRole). */
  get role() {
    return this.#role;
  }

  /** The connection state as the stream's holder reports it (see ConnectionState). */
  get state() {
    return this.#single?.state ?? this.#state;
  }

  /** The id of the last event this tab saw. */
  get lastEventId() {
    return this.#single?.lastEventId ?? this.#lastEventId;
  }

  /** Streams `target` ({ url, headers }), sharing it with the other tabs on the same target. */
  connect(target) {
    this.#target = target;
    if (!this.#share) {
      this.#single ??= new StreamConnection(this.#settings);
      this.#setRole(StreamRole.Single);
      this.#single.connect(target);
      return;
    }

    const name = groupName(target);
    if (this.#group?.name === name) {
      // The same stream again (a configuration picked twice): the leader restarts it; a follower has nothing to do.
      this.#group.connection?.connect(target);
      return;
    }

    this.#leave();
    const group = { name, channel: new this.#Channel(name), waiting: new AbortController(), release: null, connection: null };
    this.#group = group;
    group.channel.onmessage = (message) => this.#onMessage(group, message.data);
    this.#setRole(StreamRole.Follower);
    group.channel.postMessage({ kind: 'hello', from: this.#id });
    this.#locks
      .request(name, { signal: group.waiting.signal }, () => this.#lead(group))
      .catch(() => {
        // Aborted while waiting: this tab left the stream before it was its turn.
      });
  }

  /** Skips the current backoff wait of the tab that holds the stream, if it is this one. */
  retryNow() {
    (this.#single ?? this.#group?.connection)?.retryNow();
  }

  /** Stops streaming in this tab; if it held the stream, another tab takes it over. */
  close() {
    this.#leave();
    this.#single?.close();
  }

  /** Runs while this tab holds the lock: it streams, and forwards everything to the other tabs. */
  #lead(group) {
    if (this.#group !== group) {
      return undefined;
    }

    const post = (message) => group.channel.postMessage(message);
    const settings = this.#settings;
    group.connection = new StreamConnection({
      ...settings,
      onEvent: (event) => {
        this.#receive(event);
        post({ kind: 'event', event });
      },
      onStateChange: (state, detail) => {
        this.#state = state;
        settings.onStateChange?.(state, detail);
        post({ kind: 'state', state, detail });
      },
      onPolledMetrics: (metrics) => {
        settings.onPolledMetrics?.(metrics);
        post({ kind: 'polled', metrics });
      },
      onPollError: (error) => {
        settings.onPollError?.(error);
        post({ kind: 'poll-error', message: String(error) });
      },
      onRejected: (status, target) => {
        post({ kind: 'rejected', status });
        settings.onRejected?.(status, target);
      },
    });
    this.#setRole(StreamRole.Leader);
    group.connection.connect(this.#target, { resumeFrom: this.#lastEventId });
    return new Promise((resolve) => {
      group.release = resolve;
    });
  }

  #onMessage(group, message) {
    if (this.#group !== group || typeof message !== 'object' || message === null) {
      return;
    }

    const settings = this.#settings;
    if (this.#role === StreamRole.Leader) {
      if (message.kind === 'hello') {
        group.channel.postMessage({ kind: 'snapshot', to: message.from, events: this.#cache.snapshot(), state: this.#state });
      }

      return;
    }

    switch (message.kind) {
      case 'event':
        this.#receive(message.event);
        break;
      case 'snapshot':
        if (message.to === this.#id) {
          for (const event of message.events) {
            this.#receive(event);
          }

          this.#state = message.state;
          settings.onStateChange?.(message.state, { failures: 0 });
        }
        break;
      case 'state':
        this.#state = message.state;
        settings.onStateChange?.(message.state, message.detail);
        break;
      case 'polled':
        settings.onPolledMetrics?.(message.metrics);
        break;
      case 'poll-error':
        settings.onPollError?.(new Error(message.message));
        break;
      case 'rejected':
        settings.onRejected?.(message.status, this.#target);
        break;
      default:
        break;
    }
  }

  /** An event this tab shows, whoever received it from the server. */
  #receive(event) {
    // Ids are sortable cursors: the last id only moves forward (a joining tab's snapshot may be older than what it has).
    if (event.lastEventId > this.#lastEventId) {
      this.#lastEventId = event.lastEventId;
    }

    this.#cache.add(event);
    try {
      this.#settings.onEvent(event);
    } catch (error) {
      console.error('sserx: event handler failed', error);
    }
  }

  #leave() {
    const group = this.#group;
    if (group === null) {
      return;
    }

    this.#group = null;
    group.waiting.abort();
    group.connection?.close();
    group.release?.();
    group.channel.close();
  }

  #setRole(role) {
    this.#role = role;
    this.#settings.onRoleChange?.(role);
  }
}
