// Standard EventSource clients for the fleet tests: the npm `eventsource` package (pinned in tests/package-lock.json),
// which follows the WHATWG rules a browser follows: it reconnects after the server's `retry:` when a stream ends or the
// connection fails, resends the last id, and gives up for good on any answer that is not 200 text/event-stream.
//
//   node eventsource-clients.mjs --url URL --clients N [--prefix P] [--max-seconds S]
//
// Opens N EventSource instances on URL at once and records, per client, when it sent each request (connect and
// reconnects), every open, every error (with the HTTP status when the error was an answer, and whether it was fatal),
// the `retry:` each response carried, the `new_item` ids whose item_id starts with P, the heartbeats and the last event
// id. (The package keeps the reconnection time to itself: a copy of each response's first bytes is read for it.) Commands on stdin, one a line: `report` prints one JSON line with everything so far
// (times are Unix milliseconds); `close` closes every client and exits. Exits by itself after --max-seconds (default 300)
// or when stdin closes, so it never outlives the test that started it.

import { EventSource } from 'eventsource';
import { createInterface } from 'node:readline';

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && index + 1 < process.argv.length ? process.argv[index + 1] : fallback;
}

const url = option('url');
const count = Number(option('clients', '1'));
const prefix = option('prefix', '');
const maxSeconds = Number(option('max-seconds', '300'));
if (!url || !Number.isInteger(count) || count < 1) {
  console.error('usage: node eventsource-clients.mjs --url URL --clients N [--prefix P] [--max-seconds S]');
  process.exit(2);
}

/** Reads the first `retry:` field of an event stream (it comes with the first event), then lets go of the copy. */
async function firstRetry(stream, record) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  try {
    while (text.length < 65536) {
      const { value, done } = await reader.read();
      if (done) {
        return;
      }

      text += value;
      const match = /(?:^|[\r\n])retry:\s?(\d+)\r?\n/.exec(text);
      if (match) {
        record.retries.push(Number(match[1]));
        return;
      }

    }
  } catch {
    // The stream ended or was cut: nothing more to learn from it.
  } finally {
    reader.cancel().catch(() => {});
  }
}

const clients = [];
for (let i = 0; i < count; i++) {
  const record = { requests: [], opens: [], errors: [], retries: [], items: [], heartbeats: 0, lastEventId: '', closed: false };
  const source = new EventSource(url, {
    fetch: async (input, init) => {
      record.requests.push(Date.now());
      const response = await fetch(input, init);
      if (response.status !== 200 || response.body === null) {
        return response;
      }

      const [forClient, forRetry] = response.body.tee();
      void firstRetry(forRetry, record);
      return new Response(forClient, { status: response.status, statusText: response.statusText, headers: response.headers });
    },
  });
  source.addEventListener('open', () => record.opens.push(Date.now()));
  source.addEventListener('error', (event) => {
    // After a fatal error (a non-200 answer) the source is CLOSED and will not reconnect.
    record.errors.push({ at: Date.now(), code: event.code ?? null, fatal: source.readyState === EventSource.CLOSED });
  });
  source.addEventListener('heartbeat', (event) => {
    record.heartbeats++;
    record.lastEventId = event.lastEventId;
  });
  source.addEventListener('new_item', (event) => {
    record.lastEventId = event.lastEventId;
    const id = JSON.parse(event.data).item_id;
    if (id.startsWith(prefix)) {
      record.items.push(id);
    }
  });
  for (const type of ['metrics', 'sentiment_update', 'resync']) {
    source.addEventListener(type, (event) => {
      record.lastEventId = event.lastEventId;
    });
  }

  clients.push({ source, record });
}

function closeAll() {
  for (const { source, record } of clients) {
    source.close();
    record.closed = true;
  }
}

function exit(code) {
  closeAll();
  process.exit(code);
}

const deadline = setTimeout(() => exit(0), maxSeconds * 1000);
deadline.unref();
console.log(JSON.stringify({ type: 'started', clients: count, at: Date.now() }));

const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  const command = line.trim();
  if (command === 'report') {
    console.log(JSON.stringify({ type: 'report', at: Date.now(), clients: clients.map((c) => c.record) }));
  } else if (command === 'close') {
    exit(0);
  }
});
input.on('close', () => exit(0));
