using System.Text.Json.Serialization;

namespace SseRx.LibraryUsage;

/// <summary>The sample's own data: page views per page. Equal snapshots are equal records, which change detection relies on.</summary>
internal sealed record PageViews(int Home, int Pricing, int Docs);

/// <summary>The sample's JSON contract, source-generated so an event is serialized without reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PageViews))]
internal sealed partial class SampleJson : JsonSerializerContext;

/// <summary>
/// The sample's own store: counts page views, and can be told to fail its next read so the poller's backoff shows.
/// Stands in for a database; SseRx polls it and knows nothing else about it. Thread-safe.
/// </summary>
internal sealed class PageViewStore
{
    private readonly Lock _gate = new();
    private PageViews _views = new(0, 0, 0);
    private bool _failNextRead;
    private int _reads;

    /// <summary>How many times the store has been read: once per poll, however many clients there are.</summary>
    public int Reads => Volatile.Read(ref _reads);

    public void Visit(string page)
    {
        lock (_gate)
        {
            _views = page switch
            {
                "home" => _views with { Home = _views.Home + 1 },
                "pricing" => _views with { Pricing = _views.Pricing + 1 },
                _ => _views with { Docs = _views.Docs + 1 },
            };
        }
    }

    public void FailNextRead()
    {
        lock (_gate)
        {
            _failNextRead = true;
        }
    }

    public Task<PageViews> ReadAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _reads);
        lock (_gate)
        {
            if (_failNextRead)
            {
                _failNextRead = false;
                return Task.FromException<PageViews>(new TimeoutException("The store timed out."));
            }

            return Task.FromResult(_views);
        }
    }
}
