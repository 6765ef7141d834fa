using System.Collections.Concurrent;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SseRx.Host.Tests.Infrastructure;

namespace SseRx.Host.Tests.Security;

/// <summary>
/// CR, LF, NUL and lone surrogates in anything that reaches the wire cannot split an event or inject one.
/// </summary>
/// <remarks>
/// What reaches the wire: the event type (constants), the id (an <see cref="SseEventId"/>, whose key admits only
/// <c>[A-Za-z0-9._:~-]</c>) and the JSON data. In the data, item ids and tickers are validated by the stores and again
/// by the feed, so the one free-form string a store can put on the wire is a <c>by_tag</c> key of the metrics.
/// These tests throw random hostile strings at each of those and parse the result back with the framework's
/// <see cref="SseParser"/>. The seed is fixed so a failure reproduces; set SSERX_FUZZ_SEED to try others.
/// </remarks>
public sealed class WireInjectionTests
{
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("SSERX_FUZZ_SEED"), out var seed) ? seed : 20260806;

    private static readonly string[] Pieces =
    [
        "\r", "\n", "\r\n", "\n\n", "\r\r", "\0", "\uD800", "\uDBFF", "\uDC00", "\uDFFF", "\uD83D\uDE00",
        "data:", "event:", "id:", "retry:", ": ", "event: new_item\ndata: {}\n\n", "\"", "\\", "<", "\u2028", "\u2029",
        "\u0085", "\uFEFF", "\u001B", "\u007F", " ", "a", "Z", "9", "~", "é", "中",
    ];

    public static TheoryData<string> HostileItemIds => new()
    {
        "a\r", "a\n", "a\r\nevent: resync", "a\0", "\uD800", "a\uDC00b", "a b", "a\u2028", "é", new string('a', SseEventId.MaxKeyLength + 1), string.Empty,
    };

    [Theory]
    [MemberData(nameof(HostileItemIds))]
    public void The_store_refuses_an_item_whose_id_could_break_the_id_field(string itemId)
    {
        var store = new InMemorySentimentStore(System.Reactive.Concurrency.Scheduler.Default);
        var item = new SentimentItem(itemId, "AAPL", SentimentLabel.Positive, 0.5, DateTimeOffset.UtcNow);

        var error = Assert.Throws<ArgumentException>(() => store.Add(item));

        Assert.Contains("item_id", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, store.Count);
    }

    [Theory]
    [InlineData("AAPL\r\n")]
    [InlineData("AAPL\0")]
    [InlineData("AA\uD800")]
    public void The_store_refuses_an_item_whose_ticker_could_break_an_id(string ticker)
    {
        var store = new InMemorySentimentStore(System.Reactive.Concurrency.Scheduler.Default);

        var error = Assert.Throws<ArgumentException>(() => store.Add(new SentimentItem("ok", ticker, SentimentLabel.Positive, 0.5, DateTimeOffset.UtcNow)));

        Assert.Contains("ticker", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public async Task Two_thousand_random_hostile_strings_in_a_wire_field_parse_back_as_sent_in_one_intact_frame()
    {
        var random = new Random(Seed);
        var asOf = DateTimeOffset.FromUnixTimeMilliseconds(1_763_795_400_000);
        for (var round = 0; round < 2000; round++)
        {
            var keys = HostileKeys(random);
            var sent = SentimentEvents.Metrics(Snapshot(keys, round), asOf.AddMilliseconds(round));
            var frame = sent.Utf8.ToArray();

            // One frame: no CR or NUL at all (JSON escapes them), and the only blank line is the one that ends it.
            Assert.DoesNotContain((byte)'\r', frame);
            Assert.DoesNotContain((byte)0, frame);
            Assert.Equal(frame.Length - 2, frame.AsSpan().IndexOf("\n\n"u8));

            var parsed = new List<SseItem<string>>();
            await foreach (var item in SseParser.Create(new MemoryStream(frame)).EnumerateAsync())
            {
                parsed.Add(item);
            }

            var only = Assert.Single(parsed);
            Assert.Equal(SentimentEventTypes.Metrics, only.EventType);
            Assert.Equal(sent.Id.ToString(), only.EventId);
            Assert.True(Expected(keys).SequenceEqual(ByTagKeys(only.Data)), $"seed {Seed}, round {round}: {Describe(keys)}");
        }
    }

    [Fact]
    public async Task Over_http_hostile_strings_arrive_exactly_as_sent_and_hostile_items_never_reach_the_wire()
    {
        var random = new Random(Seed);
        var projection = new ScriptedProjection();
        await using var app = SseRxApp.Start(
            new Dictionary<string, string?> { ["PollInterval"] = "00:00:00.020", ["HeartbeatInterval"] = "01:00:00" },
            services: s =>
            {
                s.AddSingleton<IStateProjection<SentimentItem>>(projection);
                s.AddSingleton(sp => new HostileRows(sp.GetRequiredService<InMemorySentimentStore>()));
                s.AddSingleton<IEntryLog<SentimentItem>>(sp => sp.GetRequiredService<HostileRows>());
            });
        await using var stream = await app.OpenStreamAsync();
        await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);
        var rows = app.Services.GetRequiredService<HostileRows>();

        var valid = new List<string>();
        SentimentItem? last = null;
        for (var round = 1; round <= 60; round++)
        {
            var keys = HostileKeys(random);
            var item = last = app.AddItem("AAPL", SentimentLabel.Neutral, 0, $"fz{round:D3}");
            rows.Add(item with { ItemId = "x" + Hostile(random) + "\n" }, position: item.EventId);
            rows.Add(item with { ItemId = $"h{round:D3}", Ticker = "AAPL" + Hostile(random) + "\r\n" }, position: null);
            valid.Add(item.ItemId);
            projection.Next(Snapshot(keys, round));

            var metrics = await stream.ReadUntilAsync(e => e.EventType == SentimentEventTypes.Metrics && SseStream.Json(e).GetProperty("total").GetInt32() == round);
            Assert.True(Expected(keys).SequenceEqual(ByTagKeys(metrics.Data)), $"seed {Seed}, round {round}: {Describe(keys)}");
        }

        // Items are delivered once they settle, which may be a poll after the metrics queued with them.
        await stream.ReadUntilAsync(e => e.EventId == last!.EventId.ToString());

        string[] allowed = [SseEventTypes.Heartbeat, SentimentEventTypes.Metrics, SentimentEventTypes.NewItem];
        Assert.All(stream.Received, e => Assert.Contains(e.EventType, allowed));
        Assert.All(stream.Received, e => Assert.True(SseEventId.TryParse(e.EventId, out _), $"id '{e.EventId}'"));
        Assert.Equal(valid, stream.ItemIds());
        Assert.Equal(61, stream.Received.Count(e => e.EventType == SentimentEventTypes.Metrics));
    }

    /// <summary>
    /// What a string becomes on the wire: itself, except that a lone surrogate (which no UTF-8 text can carry)
    /// becomes U+FFFD.
    /// </summary>
    private static IEnumerable<string> Expected(IEnumerable<string> keys) =>
        keys.Order(StringComparer.Ordinal).Select(static key =>
        {
            var text = new StringBuilder(key.Length);
            for (var i = 0; i < key.Length; i++)
            {
                if (char.IsHighSurrogate(key[i]) && i + 1 < key.Length && char.IsLowSurrogate(key[i + 1]))
                {
                    text.Append(key, i++, 2);
                }
                else
                {
                    text.Append(char.IsSurrogate(key[i]) ? '\uFFFD' : key[i]);
                }
            }

            return text.ToString();
        });

    private static List<string> ByTagKeys(string data)
    {
        using var document = JsonDocument.Parse(data);
        return [.. document.RootElement.GetProperty("by_tag").EnumerateObject().Select(p => p.Name)];
    }

    private static MetricsSnapshot Snapshot(IEnumerable<string> keys, int total) =>
        new(total, total, 0, 0, keys.ToDictionary(k => k, _ => 1, StringComparer.Ordinal), 0, 0);

    private static HashSet<string> HostileKeys(Random random)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var count = random.Next(1, 7);
        while (keys.Count < count)
        {
            keys.Add(Hostile(random));
        }

        return keys;
    }

    private static string Hostile(Random random)
    {
        var text = new StringBuilder();
        for (var n = random.Next(0, 12); n > 0; n--)
        {
            text.Append(Pieces[random.Next(Pieces.Length)]);
        }

        return text.ToString();
    }

    private static string Describe(IEnumerable<string> keys) =>
        string.Join(", ", keys.Select(k => string.Concat(k.Select(c => c is >= ' ' and < '\u007f' ? c.ToString() : $"\\u{(int)c:X4}"))));

    /// <summary>A projection whose metrics are whatever the test queued last, sent once each.</summary>
    private sealed class ScriptedProjection : IStateProjection<SentimentItem>
    {
        private readonly ConcurrentQueue<MetricsSnapshot> _next = new();
        private bool _first = true;

        public TimeSpan Window => TimeSpan.Zero;

        public void Next(MetricsSnapshot metrics) => _next.Enqueue(metrics);

        public void Apply(SentimentItem entry)
        {
        }

        public void Collect(DateTimeOffset watermark, ICollection<SseEvent> changes)
        {
            if (_next.TryDequeue(out var metrics) || _first)
            {
                changes.Add(SentimentEvents.Metrics(metrics ?? MetricsSnapshot.Empty, watermark));
                _first = false;
            }
        }
    }

    /// <summary>The real store, plus rows a faulty writer slipped in: returned by the reads whose range holds them.</summary>
    private sealed class HostileRows(IEntryLog<SentimentItem> inner) : DelegatingItems(inner)
    {
        private readonly Lock _gate = new();
        private readonly List<(SentimentItem Row, SseEventId At)> _rows = [];

        /// <summary>Adds a row, read as if at <paramref name="position"/> (its own, when it has one).</summary>
        public void Add(SentimentItem row, SseEventId? position)
        {
            lock (_gate)
            {
                _rows.Add((row, position ?? row.EventId));
            }
        }

        public override async ValueTask<IReadOnlyList<SentimentItem>> ReadAsync(EntryRange range, CancellationToken cancellationToken)
        {
            var items = await base.ReadAsync(range, cancellationToken);
            lock (_gate)
            {
                var extra = _rows.Where(r => range.Contains(r.At)).ToList();
                if (extra.Count == 0)
                {
                    return items;
                }

                return [.. items.Select(i => (Row: i, At: i.EventId)).Concat(extra).OrderBy(r => r.At).ThenBy(r => r.Row.ItemId, StringComparer.Ordinal).Select(r => r.Row)];
            }
        }
    }
}
