extern alias Host;

using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Host::SseRx.Host.Sentiment;

namespace SseRx.Benchmarks;

/// <summary>
/// The cost of producing one event's wire bytes. SseRx pays it once per event; a server that serializes per
/// connection pays the JSON part once per event per connection.
/// </summary>
[MemoryDiagnoser]
public class FormattingBenchmarks
{
    private readonly SentimentItem _item = SampleEvents.Item(12_345);
    private readonly MetricsSnapshot _metrics = SampleEvents.Metrics(4_321);

    [Benchmark(Description = "SentimentEvents.NewItem (frame bytes, once per event)")]
    public SseEvent NewItem() => SentimentEvents.NewItem(_item);

    [Benchmark(Description = "SentimentEvents.Metrics (frame bytes, once per event)")]
    public SseEvent Metrics() => SentimentEvents.Metrics(_metrics, SampleEvents.Epoch);

    [Benchmark(Description = "Heartbeat with retry (once per connection at connect)")]
    public SseEvent Heartbeat() => SseEvents.Heartbeat(_item.EventId, SampleEvents.Epoch, 19_000, TimeSpan.FromSeconds(3));

    [Benchmark(Baseline = true, Description = "JSON only, as a per-connection serializer pays per event per connection")]
    public byte[] JsonOnly() => JsonSerializer.SerializeToUtf8Bytes(_item, SentimentJsonContext.Default.SentimentItem);
}
