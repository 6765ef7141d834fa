using System.Collections.Concurrent;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SseRx.Host.Tests.Infrastructure;
using SseRx.InMemory;
using SseRx.Sentiment;

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
            Assert.Equal(SseEventTypes.Metrics, only.EventType);
            Assert.Equal(sent.Id.ToString(), only.EventId);
            Assert.True(Expected(keys).SequenceEqual(ByTagKeys(only.Data)), $"seed {Seed}, round {round}: {Describe(keys)}");
        }
    }

    [Fact]
    public async Task Over_http_hostile_strings_arrive_exactly_as_sent_and_hostile_items_never_reach_the_wire()
    {
        var random = new Random(Seed);
        var start = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var source = new ScriptedSource(new SentimentBatch([], MetricsSnapshot.Empty, [], SseEventId.AtTime(start), start));
        await using var app = SseRxApp.Start(
            new Dictionary<string, string?> { ["PollInterval"] = "00:00:00.020", ["HeartbeatInterval"] = "01:00:00" },
            services: s => s.AddSingleton<ISentimentSource>(source));
        await using var stream = await app.OpenStreamAsync();
        await stream.NextOfTypeAsync(SseEventTypes.Metrics);

        var valid = new List<string>();
        for (var round = 1; round <= 60; round++)
        {
            var asOf = start.AddMilliseconds(round * 10);
            var keys = HostileKeys(random);
            var item = new SentimentItem($"fz{round:D3}", "AAPL", SentimentLabel.Neutral, 0, asOf);
            var hostile = new[]
            {
                item with { ItemId = "x" + Hostile(random) + "\n" },
                item with { ItemId = $"h{round:D3}", Ticker = "AAPL" + Hostile(random) + "\r\n" },
            };
            valid.Add(item.ItemId);
            source.Enqueue(new SentimentBatch([hostile[0], item, hostile[1]], Snapshot(keys, round), [], item.EventId, asOf));

            var metrics = await stream.ReadUntilAsync(e => e.EventId == SseEventId.Create(asOf, SentimentEvents.MetricsKey).ToString());
            Assert.True(Expected(keys).SequenceEqual(ByTagKeys(metrics.Data)), $"seed {Seed}, round {round}: {Describe(keys)}");
        }

        string[] allowed = [SseEventTypes.Heartbeat, SseEventTypes.Metrics, SseEventTypes.NewItem];
        Assert.All(stream.Received, e => Assert.Contains(e.EventType, allowed));
        Assert.All(stream.Received, e => Assert.True(SseEventId.TryParse(e.EventId, out _), $"id '{e.EventId}'"));
        Assert.Equal(valid, stream.ItemIds());
        Assert.Equal(61, stream.Received.Count(e => e.EventType == SseEventTypes.Metrics));
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

    /// <summary>A store that answers each poll with the next batch a test queued (its items once), else the last one.</summary>
    private sealed class ScriptedSource(SentimentBatch initial) : ISentimentSource
    {
        private readonly ConcurrentQueue<SentimentBatch> _next = new();
        private SentimentBatch _current = initial;

        public void Enqueue(SentimentBatch batch) => _next.Enqueue(batch);

        public ValueTask<SentimentBatch> FetchAsync(SseEventId? after, CancellationToken cancellationToken)
        {
            if (_next.TryDequeue(out var next))
            {
                _current = next with { NewItems = [] };
                return ValueTask.FromResult(next);
            }

            return ValueTask.FromResult(_current);
        }
    }
}
