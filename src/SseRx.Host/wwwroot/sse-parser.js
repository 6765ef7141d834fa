// An event-stream parser that follows the WHATWG HTML "Interpreting an event stream" rules, so a stream read
// through fetch() behaves exactly as it would through EventSource: event/data/id/retry fields, multi-line data,
// CRLF, CR or LF line endings (also when a CRLF is split across chunks), comments ignored, unknown fields ignored,
// an id containing NUL ignored, and an unterminated event at the end of the stream discarded.
// It takes already-decoded text; the caller decodes UTF-8 (TextDecoderStream also drops the BOM).

export class SseParser {
  #onEvent;
  #onRetry;
  #pending = '';
  #skipLeadingLf = false;
  #eventType = '';
  #data = '';
  #hasData = false;
  #idBuffer = '';
  #lastEventId = '';

  /**
   * @param {{ onEvent: (event: { type: string, data: string, lastEventId: string }) => void,
   *           onRetry?: (milliseconds: number) => void }} handlers
   */
  constructor({ onEvent, onRetry }) {
    this.#onEvent = onEvent;
    this.#onRetry = onRetry ?? (() => {});
  }

  /** The id of the last dispatched event (the value a reconnect resumes from); '' when none. */
  get lastEventId() {
    return this.#lastEventId;
  }

  /** Feeds the next chunk of decoded text. Complete events are dispatched synchronously, in order. */
  push(text) {
    let chunk = text;
    if (this.#skipLeadingLf && chunk.length > 0) {
      // The previous chunk ended with CR: an LF right after it belongs to the same CRLF line break.
      if (chunk.charCodeAt(0) === 10) {
        chunk = chunk.slice(1);
      }
      this.#skipLeadingLf = false;
    }

    const buffer = this.#pending + chunk;
    let start = 0;
    // The pending tail holds no line break, so scanning resumes after it: a long line split over many
    // chunks costs linear time, not quadratic.
    for (let i = this.#pending.length; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) {
        continue;
      }

      this.#line(buffer.slice(start, i));
      if (c === 13) {
        if (i + 1 < buffer.length) {
          if (buffer.charCodeAt(i + 1) === 10) {
            i++;
          }
        } else {
          this.#skipLeadingLf = true;
        }
      }

      start = i + 1;
    }

    this.#pending = buffer.slice(start);
  }

  #line(line) {
    if (line.length === 0) {
      this.#dispatch();
      return;
    }

    if (line.charCodeAt(0) === 58) {
      return;
    }

    const colon = line.indexOf(':');
    let field = line;
    let value = '';
    if (colon >= 0) {
      field = line.slice(0, colon);
      value = line.slice(colon + 1);
      if (value.charCodeAt(0) === 32) {
        value = value.slice(1);
      }
    }

    switch (field) {
      case 'event':
        this.#eventType = value;
        break;
      case 'data':
        this.#data += value + '\n';
        this.#hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) {
          this.#idBuffer = value;
        }
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value)) {
          this.#onRetry(Number.parseInt(value, 10));
        }
        break;
      default:
        break;
    }
  }

  #dispatch() {
    // The last event id is updated even when no event is dispatched, as the spec requires.
    this.#lastEventId = this.#idBuffer;
    if (!this.#hasData) {
      this.#eventType = '';
      return;
    }

    const data = this.#data.endsWith('\n') ? this.#data.slice(0, -1) : this.#data;
    const type = this.#eventType === '' ? 'message' : this.#eventType;
    this.#data = '';
    this.#hasData = false;
    this.#eventType = '';
    this.#onEvent({ type, data, lastEventId: this.#lastEventId });
  }
}
