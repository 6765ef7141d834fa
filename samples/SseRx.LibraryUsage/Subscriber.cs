using System.Globalization;
using System.Reactive.Concurrency;
using System.Text;

namespace SseRx.LibraryUsage;

/// <summary>
/// Prints what one client receives: each event decoded from the exact UTF-8 frame it would be sent, with the
/// virtual time it arrived. Remembers the last id, as a browser's EventSource does, to resume with it.
/// </summary>
internal sealed class Subscriber(string name, IScheduler scheduler, DateTimeOffset start) : IObserver<SseEvent>
{
    public string? LastEventId { get; private set; }

    /// <summary>Every event received, as <c>"{type} {id}"</c>.</summary>
    public List<string> Received { get; } = [];

    public void OnNext(SseEvent value)
    {
        LastEventId = value.Id.ToString();
        Received.Add(value.ToString());
        Print(name, Describe(value));
    }

    public void OnError(Exception error) => Print(name, $"stream failed: {error.Message}");

    public void OnCompleted() => Print(name, "stream ended cleanly (an EventSource reconnects with its last id)");

    public void Print(string who, string what) =>
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture, $"{(scheduler.Now - start).TotalSeconds,6:0.0}s  {who,-2} {what}"));

    /// <summary>One line from the wire frame: <c>event</c>, <c>id</c> and <c>data</c> (and <c>retry</c> when present).</summary>
    public static string Describe(SseEvent value)
    {
        var fields = Encoding.UTF8.GetString(value.Utf8.Span)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(": ", 2))
            .ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : string.Empty);
        var retry = fields.TryGetValue("retry", out var ms) ? $" retry={ms}ms" : string.Empty;
        return $"{fields["event"],-9} id={fields["id"],-24} {fields["data"]}{retry}";
    }
}
