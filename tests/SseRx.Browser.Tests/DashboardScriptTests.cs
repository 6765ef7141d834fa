using System.Text.Json;

namespace SseRx.Browser.Tests;

/// <summary>
/// The dashboard's own modules (as the host serves them) run in chromium with inputs a live server rarely
/// produces: split line endings, replays, overflow. One host serves the modules for the whole class.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardScriptTests(BrowserFixture browser) : IAsyncLifetime
{
    private DashboardHost _host = null!;
    private DashboardPage _page = null!;

    public async Task InitializeAsync()
    {
        _host = DashboardHost.Start();
        _page = await DashboardPage.OpenAsync(browser.Browser, _host.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        await _page.DisposeAsync();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Sse_parser_follows_the_WHATWG_event_stream_rules_whatever_the_chunking()
    {
        // Fed one character at a time, so every CRLF is split across two chunks.
        var events = await EvaluateAsync(
            """
            async () => {
              const { SseParser } = await import('/sse-parser.js');
              const events = []; const retries = [];
              const parser = new SseParser({ onEvent: e => events.push(e), onRetry: ms => retries.push(ms) });
              const input = ': a comment\r\nretry: 2500\r\nretry: soon\r\nevent: heartbeat\r\nid: 1-a\r\ndata: {"a":1}\r\n\r\n'
                + 'data: line1\rdata:line2\r\r'
                + 'unknown: ignored\ndata\n\n'
                + 'id: has\0nul\ndata: keeps previous id\n\n'
                + 'id: 2-b\n\n'
                + 'event: cut\ndata: never terminated';
              for (const c of input) parser.push(c);
              return { events, retries, lastEventId: parser.lastEventId };
            }
            """);

        var list = events.GetProperty("events").EnumerateArray()
            .Select(e => (e.GetProperty("type").GetString(), e.GetProperty("data").GetString(), e.GetProperty("lastEventId").GetString()))
            .ToList();
        Assert.Equal(
            [
                ("heartbeat", "{\"a\":1}", "1-a"),
                ("message", "line1\nline2", "1-a"),
                ("message", string.Empty, "1-a"),
                ("message", "keeps previous id", "1-a"),
            ],
            list);
        Assert.Equal([2500], events.GetProperty("retries").EnumerateArray().Select(r => r.GetInt32()));

        // An id-only block updates the resume point without dispatching anything.
        Assert.Equal("2-b", events.GetProperty("lastEventId").GetString());
    }

    [Fact]
    public async Task Feed_state_ignores_replayed_items_and_keeps_the_newest_50()
    {
        var result = await EvaluateAsync(
            """
            async () => {
              const { DashboardState } = await import('/state.js');
              const state = new DashboardState();
              const item = i => ({ item_id: `i${i}`, ticker: 'AAPL', sentiment: 'positive', score: 0.5, timestamp: new Date().toISOString() });
              for (let i = 1; i <= 60; i++) state.addItem(item(i));
              const replayOfNewest = state.addItem(item(60));
              const replayOfEvicted = state.addItem(item(3));
              return { ids: state.feed.map(e => e.id), replayOfNewest, replayOfEvicted };
            }
            """);

        var ids = result.GetProperty("ids").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(50, ids.Count);
        Assert.Equal("i60", ids[0]);
        Assert.Equal("i11", ids[^1]);
        Assert.Equal(JsonValueKind.Null, result.GetProperty("replayOfNewest").ValueKind);
        Assert.Equal(JsonValueKind.Null, result.GetProperty("replayOfEvicted").ValueKind);
    }

    [Fact]
    public async Task Resync_marks_metrics_stale_until_fresh_metrics_and_breaks_the_feed_and_sparklines()
    {
        var result = await EvaluateAsync(
            """
            async () => {
              const { DashboardState } = await import('/state.js');
              const state = new DashboardState();
              state.applyMetrics({ total: 1, positive: 1, neutral: 0, negative: 0, by_tag: { AAPL: 1 }, rate_last_hour: 1, rate_last_24h: 0.04 });
              state.applySentiment({ ticker: 'AAPL', score: 0.4, label: 'positive' });
              state.addItem({ item_id: 'a', ticker: 'AAPL', sentiment: 'positive', score: 0.4, timestamp: new Date().toISOString() });
              state.resync('too_old');
              const staleAfterResync = state.metricsStale;
              const feedHead = state.feed[0].gap === true;
              const history = [...state.tickers.get('AAPL').history];
              state.applyMetrics({ total: 2, positive: 2, neutral: 0, negative: 0, by_tag: { AAPL: 2 }, rate_last_hour: 2, rate_last_24h: 0.08 });
              return { staleAfterResync, staleAfterMetrics: state.metricsStale, feedHead, history, kept: state.feed.length };
            }
            """);

        Assert.True(result.GetProperty("staleAfterResync").GetBoolean());
        Assert.False(result.GetProperty("staleAfterMetrics").GetBoolean());
        Assert.True(result.GetProperty("feedHead").GetBoolean());
        Assert.Equal("[0.4,null]", result.GetProperty("history").GetRawText());
        Assert.Equal(2, result.GetProperty("kept").GetInt32());
    }

    [Fact]
    public async Task Backoff_doubles_from_1_second_caps_at_30_seconds_and_stays_within_the_jitter()
    {
        var result = await EvaluateAsync(
            """
            async () => {
              const { backoffDelay, withLastEventId, retryAfterMs } = await import('/connection.js');
              const at = r => [1, 2, 3, 4, 5, 6, 7, 50].map(n => backoffDelay(n, undefined, () => r));
              return {
                low: at(0), mid: at(0.5), high: at(0.999999),
                url: withLastEventId('/api/v2/stream', '0001763795400123-a b'),
                urlNoId: withLastEventId('/api/v2/stream', ''),
                retryAfter: retryAfterMs('7'),
              };
            }
            """);

        int[] Delays(string name) => [.. result.GetProperty(name).EnumerateArray().Select(e => e.GetInt32())];
        Assert.Equal([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000], Delays("mid"));
        Assert.Equal([800, 1600, 3200, 6400, 12800, 24000, 24000, 24000], Delays("low"));
        Assert.Equal([1200, 2400, 4800, 9600, 19200, 30000, 30000, 30000], Delays("high"));
        Assert.Equal("/api/v2/stream?lastEventId=0001763795400123-a%20b", result.GetProperty("url").GetString());
        Assert.Equal("/api/v2/stream", result.GetProperty("urlNoId").GetString());
        Assert.Equal(7000, result.GetProperty("retryAfter").GetInt32());
    }

    [Fact]
    public async Task Tab_sharing_groups_tabs_by_stream_and_gives_a_joining_tab_the_latest_state_and_recent_items()
    {
        var result = await EvaluateAsync(
            """
            async () => {
              const { EventCache, groupName } = await import('/tab-sharing.js');
              const cache = new EventCache();
              const ev = (type, data, id) => ({ type, data: JSON.stringify(data), lastEventId: id });
              cache.add(ev('metrics', { total: 1 }, '1-~metrics'));
              for (let i = 1; i <= 60; i++) cache.add(ev('new_item', { item_id: `i${i}` }, `2-i${i}`));
              cache.add(ev('sentiment_update', { ticker: 'AAPL', score: 0.1 }, '3-~a'));
              cache.add(ev('sentiment_update', { ticker: 'MSFT', score: 0.2 }, '3-~m'));
              cache.add(ev('sentiment_update', { ticker: 'AAPL', score: 0.3 }, '4-~a'));
              cache.add(ev('metrics', { total: 2 }, '4-~metrics'));
              cache.add(ev('resync', { reason: 'unknown' }, '5-~'));
              const global = { url: '/api/v2/stream', headers: {} };
              return {
                snapshot: cache.snapshot().map(e => e.lastEventId),
                same: groupName(global) === groupName({ url: '/api/v2/stream', headers: {} }),
                otherUser: groupName({ url: '/api/v2/configurations/c1/stream', headers: { 'X-User-ID': 'alice' } })
                  === groupName({ url: '/api/v2/configurations/c1/stream', headers: { 'X-User-ID': 'bob' } }),
                otherStream: groupName(global) === groupName({ url: '/api/v2/configurations/c1/stream', headers: {} }),
              };
            }
            """);

        var snapshot = result.GetProperty("snapshot").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(53, snapshot.Count);
        Assert.Equal("2-i11", snapshot[0]);
        Assert.Equal("2-i60", snapshot[49]);
        Assert.Equal(["3-~m", "4-~a", "4-~metrics"], snapshot[50..]);
        Assert.True(result.GetProperty("same").GetBoolean());
        Assert.False(result.GetProperty("otherUser").GetBoolean());
        Assert.False(result.GetProperty("otherStream").GetBoolean());
    }

    private Task<JsonElement> EvaluateAsync(string script) => _page.Page.EvaluateAsync<JsonElement>(script);
}
