using System.Collections.Concurrent;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace SseRx.StockBaseline;

/// <summary>Fans each item out to one bounded channel per connection: the textbook pattern.</summary>
internal sealed class Broadcaster
{
    /// <summary>The per-connection buffer: the same capacity SseRx uses by default.</summary>
    private const int Capacity = 1024;

    private readonly ConcurrentDictionary<Channel<SseItem<NewItem>>, byte> _subscribers = new();

    public int Count => _subscribers.Count;

    public void Publish(SseItem<NewItem> item)
    {
        foreach (var channel in _subscribers.Keys)
        {
            // A slow client loses its oldest items rather than slowing the others.
            channel.Writer.TryWrite(item);
        }
    }

    public async IAsyncEnumerable<SseItem<NewItem>> Subscribe([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<SseItem<NewItem>>(new BoundedChannelOptions(Capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        _subscribers.TryAdd(channel, 0);
        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return item;
            }
        }
        finally
        {
            _subscribers.TryRemove(channel, out _);
        }
    }
}
