// The saved-configuration picker: a user id (kept in localStorage, sent as X-User-ID) and a select of that
// user's configurations from GET /api/v2/configurations. Choosing one streams just its tickers.

const USER_KEY = 'sserx.userId';
const CONFIGURATION_KEY = 'sserx.configurationId';
const LOAD_TIMEOUT_MS = 5000;

function readStorage(key) {
  try {
    return localStorage.getItem(key) ?? '';
  } catch {
    // Storage can be disabled (privacy settings); the picker then simply forgets between visits.
    return '';
  }
}

function writeStorage(key, value) {
  try {
    if (value) {
      localStorage.setItem(key, value);
    } else {
      localStorage.removeItem(key);
    }
  } catch {
    // See readStorage.
  }
}

/** Accepts a bare array or a wrapper object, so the picker does not depend on the list's envelope. */
function listFrom(json) {
  const list = Array.isArray(json) ? json : (json?.items ?? json?.configurations ?? []);
  return list
    .filter((c) => c && typeof c.id === 'string')
    .map((c) => ({ id: c.id, name: String(c.name ?? c.id), tickers: Array.isArray(c.tickers) ? c.tickers.map(String) : [] }));
}

export class ConfigurationPicker {
  #url;
  #form;
  #userInput;
  #select;
  #status;
  #onSelect;
  #configurations = [];
  #loads = 0;

  /**
   * @param {{ url: string, form: HTMLFormElement, userInput: HTMLInputElement, select: HTMLSelectElement,
   *           status: HTMLElement, onSelect: (configuration: { id: string, name: string, tickers: string[] } | null) => void }} settings
   */
  constructor({ url, form, userInput, select, status, onSelect }) {
    this.#url = url;
    this.#form = form;
    this.#userInput = userInput;
    this.#select = select;
    this.#status = status;
    this.#onSelect = onSelect;
  }

  /** The user id sent as X-User-ID; '' when none. */
  get userId() {
    return this.#userInput.value.trim();
  }

  /**
   * Restores the stored user id and loads their configurations. Resolves to the stored configuration when it
   * still exists (the caller streams it), otherwise null.
   */
  async start() {
    this.#form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#userChanged();
    });
    this.#userInput.addEventListener('change', () => void this.#userChanged());
    this.#select.addEventListener('change', () => {
      writeStorage(CONFIGURATION_KEY, this.#select.value);
      this.#onSelect(this.selected());
    });

    this.#userInput.value = readStorage(USER_KEY);
    this.#fillSelect();
    if (this.userId === '') {
      return null;
    }

    const stored = readStorage(CONFIGURATION_KEY);
    if (!stored) {
      // Nothing to restore: the caller can start the global stream without waiting for the list.
      void this.#load();
      return null;
    }

    await this.#load();
    if (this.#configurations.some((c) => c.id === stored)) {
      this.#select.value = stored;
      return this.selected();
    }

    return null;
  }

  /** The selected configuration, or null for all tickers. */
  selected() {
    return this.#configurations.find((c) => c.id === this.#select.value) ?? null;
  }

  /** Goes back to all tickers without notifying (the caller has already switched). */
  reset() {
    this.#select.value = '';
    writeStorage(CONFIGURATION_KEY, '');
  }

  async #userChanged() {
    writeStorage(USER_KEY, this.userId);
    const wasSelected = this.#select.value !== '';
    await this.#load();
    if (wasSelected) {
      // The selected configuration belonged to the previous user.
      this.reset();
      this.#onSelect(null);
    }
  }

  async #load() {
    const load = ++this.#loads;
    this.#configurations = [];
    this.#fillSelect();
    if (this.userId === '') {
      this.#status.textContent = '';
      return;
    }

    this.#status.textContent = 'Loading…';
    try {
      const response = await fetch(this.#url, {
        headers: { Accept: 'application/json', 'X-User-ID': this.userId },
        cache: 'no-store',
        signal: AbortSignal.timeout(LOAD_TIMEOUT_MS),
      });
      if (load !== this.#loads) {
        return;
      }

      if (!response.ok) {
        this.#status.textContent = response.status === 401 ? 'User id not accepted' : `Could not load (${response.status})`;
        return;
      }

      this.#configurations = listFrom(await response.json());
      this.#status.textContent = this.#configurations.length === 0 ? 'No saved streams' : '';
      this.#fillSelect();
    } catch {
      if (load === this.#loads) {
        this.#status.textContent = 'Could not load saved streams';
      }
    }
  }

  #fillSelect() {
    const options = [new Option('All tickers', '')];
    for (const c of this.#configurations) {
      const tickers = c.tickers.length > 4 ? `${c.tickers.slice(0, 4).join(', ')}, …` : c.tickers.join(', ');
      options.push(new Option(`${c.name} (${tickers})`, c.id));
    }

    this.#select.replaceChildren(...options);
    this.#select.disabled = this.#configurations.length === 0;
  }

  /** Headers for the selected configuration's stream. */
  headers() {
    return this.userId === '' ? {} : { 'X-User-ID': this.userId };
  }
}
