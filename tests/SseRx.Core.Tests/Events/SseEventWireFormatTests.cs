using System.Net.ServerSentEvents;
using System.Reactive.Subjects;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using SseRx.Tests.Testing;

namespace SseRx.Tests.Events;

public sealed class SseEventWireFormatTests
{
    private static readonly SseEventId Id = SseEventId.Parse("1763795400123-a1b2c3");

    // Built at run time: a lone surrogate cannot survive as an attribute argument (metadata holds UTF-8).
    public static TheoryData<string, string> AwkwardTexts => new()
    {
        { "plain", "plain" },
        { string.Empty, string.Empty },
        { "ünïcödé ✓ 日本語 😀", "ünïcödé ✓ 日本語 😀" },
        { "line1\nline2", "line1\nline2" },
        { "cr\rhere", "cr\rhere" },
        { "crlf\r\nhere", "crlf\r\nhere" },
        { "nul\0here", "nul\0here" },
        { "\n\ndata: injected\nevent: evil\n\n", "\n\ndata: injected\nevent: evil\n\n" },

        // System.Text.Json writes an unpaired surrogate as U+FFFD.
        { "lone high " + (char)0xD800 + " surrogate", "lone high \uFFFD surrogate" },
        { "lone low " + (char)0xDC00 + " surrogate", "lone low \uFFFD surrogate" },
        { "reversed pair " + (char)0xDE00 + (char)0xD83D, "reversed pair \uFFFD\uFFFD" },
    };

    [Theory]
    [MemberData(nameof(AwkwardTexts))]
    public void A_payload_with_any_text_parses_back_as_one_event_with_the_same_type_id_and_data(string text, string expected)
    {
        var payload = new Probe(text, 42);

        var value = SseEvent.Create("probe", Id, payload, WireTestJsonContext.Default.Probe);

        var item = Assert.Single(Parse(value));
        Assert.Equal("probe", item.EventType);
        Assert.Equal(Id.ToString(), item.EventId);
        Assert.Null(item.ReconnectionInterval);
        Assert.Equal(JsonSerializer.Serialize(payload, WireTestJsonContext.Default.Probe), item.Data);
        Assert.Equal(new Probe(expected, 42), JsonSerializer.Deserialize(item.Data, WireTestJsonContext.Default.Probe));

        // Line breaks and NULs in the text are escaped, so the frame is exactly these lines and cannot be split.
        var lines = Encoding.UTF8.GetString(value.Utf8.Span).Split('\n');
        Assert.Equal(["event: probe", $"data: {item.Data}", $"id: {Id}", string.Empty, string.Empty], lines);
        Assert.DoesNotContain('\r', Encoding.UTF8.GetString(value.Utf8.Span));
        Assert.DoesNotContain('\0', Encoding.UTF8.GetString(value.Utf8.Span));
    }

    [Fact]
    public void An_entry_event_parses_back_to_the_same_payload_id_and_type()
    {
        var entry = new TestEntry("a1b2c3", 1763795400123, "AAPL");

        var value = TestEntry.ToEvent(entry);

        var parsed = Assert.Single(Parse(value));
        Assert.Equal("entry", parsed.EventType);
        Assert.Equal("1763795400123-a1b2c3", parsed.EventId);
        Assert.Equal(entry, JsonSerializer.Deserialize(parsed.Data, TestEntryJson.Default.TestEntry));
        Assert.Equal("AAPL", value.Topic);
    }

    [Fact]
    public void Multi_line_data_is_written_as_several_data_lines_and_parses_back_joined_by_LF()
    {
        const string json = "{\n  \"a\": 1,\r\n  \"b\": [1,\r  2]\n}";

        var value = SseEvent.Create("raw", Id, new RawJson(json), WireTestJsonContext.Default.RawJson);

        var text = Encoding.UTF8.GetString(value.Utf8.Span);
        Assert.Equal(5, text.Split('\n').Count(line => line.StartsWith("data: ", StringComparison.Ordinal)));
        var item = Assert.Single(Parse(value));
        Assert.Equal("raw", item.EventType);
        Assert.Equal(Id.ToString(), item.EventId);
        Assert.Equal(json.ReplaceLineEndings("\n"), item.Data);
        using var document = JsonDocument.Parse(item.Data);
        Assert.Equal(2, document.RootElement.GetProperty("b")[1].GetInt32());
    }

    [Fact]
    public void Text_data_is_written_as_it_is_one_data_line_per_line_and_parses_back()
    {
        const string text = "{\"done\":true}\nsecond line";

        var value = SseEvent.Create("text", Id, text, topic: "build-7", reconnectionInterval: TimeSpan.FromSeconds(2));

        var frame = Encoding.UTF8.GetString(value.Utf8.Span);
        Assert.Contains("data: {\"done\":true}\ndata: second line\n", frame, StringComparison.Ordinal);
        var item = Assert.Single(Parse(value));
        Assert.Equal("text", item.EventType);
        Assert.Equal(Id.ToString(), item.EventId);
        Assert.Equal(text, item.Data);
        Assert.Equal(TimeSpan.FromSeconds(2), item.ReconnectionInterval);
        Assert.Same(text, value.Payload);
        Assert.Equal("build-7", value.Topic);
        Assert.Throws<ArgumentNullException>("data", () => SseEvent.Create("text", Id, (string)null!));
    }

    [Fact]
    public void Retry_is_written_only_when_requested()
    {
        var with = SseEvent.Create("probe", Id, new Probe("x", 1), WireTestJsonContext.Default.Probe, reconnectionInterval: TimeSpan.FromSeconds(3));
        var without = SseEvent.Create("probe", Id, new Probe("x", 1), WireTestJsonContext.Default.Probe);

        Assert.Equal(TimeSpan.FromSeconds(3), Assert.Single(Parse(with)).ReconnectionInterval);
        Assert.Contains("\nretry: 3000\n", Encoding.UTF8.GetString(with.Utf8.Span), StringComparison.Ordinal);
        Assert.Null(Assert.Single(Parse(without)).ReconnectionInterval);
        Assert.DoesNotContain("retry:", Encoding.UTF8.GetString(without.Utf8.Span), StringComparison.Ordinal);
    }

    [Fact]
    public void A_heartbeat_carries_retry_only_when_asked_and_its_resume_point_as_id()
    {
        var resumePoint = SseEventId.Parse("1763795400123-a1b2c3");
        var first = SseEvents.Heartbeat(resumePoint, DateTimeOffset.UnixEpoch, 3, TimeSpan.FromSeconds(5));
        var later = SseEvents.Heartbeat(resumePoint, DateTimeOffset.UnixEpoch, 3);

        var parsedFirst = Assert.Single(Parse(first));
        Assert.Equal(SseEventTypes.Heartbeat, parsedFirst.EventType);
        Assert.Equal(resumePoint.ToString(), parsedFirst.EventId);
        Assert.Equal(TimeSpan.FromSeconds(5), parsedFirst.ReconnectionInterval);
        Assert.Null(Assert.Single(Parse(later)).ReconnectionInterval);
    }

    [Theory]
    [InlineData("a\nb")]
    [InlineData("a\rb")]
    [InlineData("a\r\nb")]
    [InlineData("\n")]
    [InlineData("")]
    public void An_event_type_that_is_empty_or_holds_a_line_break_is_rejected(string type)
    {
        Assert.ThrowsAny<ArgumentException>(() => SseEvent.Create(type, Id, new Probe("x", 1), WireTestJsonContext.Default.Probe));
    }

    [Fact]
    public void Create_checks_its_arguments()
    {
        Assert.Throws<ArgumentNullException>("type", () => SseEvent.Create(null!, Id, new Probe("x", 1), WireTestJsonContext.Default.Probe));
        Assert.Throws<ArgumentNullException>("typeInfo", () => SseEvent.Create("probe", Id, new Probe("x", 1), null!));
    }

    [Fact]
    public void An_event_keeps_its_type_id_topic_and_payload()
    {
        var payload = new Probe("x", 1);

        var value = SseEvent.Create("probe", Id, payload, WireTestJsonContext.Default.Probe, topic: "MSFT");

        Assert.Equal("probe", value.Type);
        Assert.Equal(Id, value.Id);
        Assert.Equal("MSFT", value.Topic);
        Assert.Same(payload, value.Payload);
        Assert.Equal($"probe {Id}", value.ToString());
    }

    [Fact]
    public void The_bytes_are_made_once_and_every_reader_of_a_journal_gets_the_same_array()
    {
        var value = SseEvent.Create("probe", Id, new Probe("x", 1), WireTestJsonContext.Default.Probe);
        var original = BackingArray(value);
        Assert.Same(original, BackingArray(value));

        using var subject = new Subject<SseEvent>();
        using var journal = subject.ToJournal(new JournalOptions(), new TestScheduler());
        var received = new List<SseEvent>[3];
        var subscriptions = new List<IDisposable>();
        for (var i = 0; i < received.Length; i++)
        {
            var list = received[i] = [];
            subscriptions.Add(journal.ResumeFrom(null).Subscribe(list.Add));
        }

        using var buffer = journal.ResumeFrom(null).SubscribeBuffered(new ConsumerBufferOptions());
        subject.OnNext(value);

        // A reader that joins later gets it by replay: still the same bytes.
        var late = new List<SseEvent>();
        subscriptions.Add(journal.ResumeFrom("0000000000000-").Subscribe(late.Add));
        Assert.True(buffer.TryRead(out var buffered));

        foreach (var delivered in received.SelectMany(list => list).Append(buffered).Concat(late))
        {
            Assert.Same(value, delivered);
            Assert.Same(original, BackingArray(delivered));
        }

        Assert.Equal(5, received.Sum(list => list.Count) + 1 + late.Count);
        subscriptions.ForEach(s => s.Dispose());
    }

    private static byte[] BackingArray(SseEvent value)
    {
        Assert.True(MemoryMarshal.TryGetArray(value.Utf8, out var segment));
        return segment.Array!;
    }

    private static List<SseItem<string>> Parse(SseEvent value)
    {
        using var stream = new MemoryStream(value.Utf8.ToArray());
        return [.. SseParser.Create(stream).Enumerate()];
    }
}
