using System.Threading.Channels;

namespace SseRx.DynamoDb.Tests.Infrastructure;

/// <summary>Records what an observable emits, with what a request counter said at that moment; await values with a deadline.</summary>
public sealed class Recorder<T> : IObserver<T>, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private readonly Channel<(T Value, int Requests)> _values = Channel.CreateUnbounded<(T, int)>();
    private readonly Func<int> _requests;
    private IDisposable? _subscription;
    private Exception? _error;
    private bool _completed;

    public Recorder(IObservable<T> source, Func<int>? requests = null)
    {
        _requests = requests ?? (() => 0);
        _subscription = source.Subscribe(this);
    }

    public Exception? Error => _error;

    public bool Completed => _completed;

    public int Pending => _values.Reader.Count;

    /// <summary>The next value and the request count when it was emitted; fails after 15 s.</summary>
    public async Task<(T Value, int Requests)> NextAsync()
    {
        using var timeout = new CancellationTokenSource(Deadline);
        try
        {
            return await _values.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No value within {Deadline} (error: {_error?.Message ?? "none"}, completed: {_completed}).");
        }
    }

    public void OnNext(T value) => _values.Writer.TryWrite((value, _requests()));

    public void OnError(Exception error) => _error = error;

    public void OnCompleted() => _completed = true;

    public void Dispose()
    {
        _subscription?.Dispose();
        _subscription = null;
    }
}
