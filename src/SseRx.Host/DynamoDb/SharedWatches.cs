using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Reactive.Subjects;

namespace SseRx.Host.DynamoDb;

/// <summary>
/// One shared subscription per key, like <c>Replay(1).RefCount()</c> per key: the first subscriber to a key starts
/// its source, later ones get the latest value at once and then every change, and the last one to leave stops it
/// and forgets the key, so a later subscriber starts afresh instead of seeing a stale value.
/// </summary>
/// <remarks>Thread-safe. Subscribing and unsubscribing take a lock; values flow without one.</remarks>
internal sealed class SharedWatches<TKey, T>
    where TKey : notnull
{
    private readonly Func<TKey, IObservable<T>> _source;
    private readonly Dictionary<TKey, Entry> _entries;
    private readonly Lock _gate = new();

    public SharedWatches(Func<TKey, IObservable<T>> source, IEqualityComparer<TKey> comparer)
    {
        _source = source;
        _entries = new Dictionary<TKey, Entry>(comparer);
    }

    /// <summary>The number of keys with a running source.</summary>
    public int ActiveCount
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    public IObservable<T> Watch(TKey key) => Observable.Create<T>(observer =>
    {
        Entry entry;
        bool start;
        lock (_gate)
        {
            start = !_entries.TryGetValue(key, out entry!);
            if (start)
            {
                entry = new Entry();
                _entries.Add(key, entry);
            }

            entry.Subscribers++;
        }

        var subscription = entry.Subject.Subscribe(observer);
        if (start)
        {
            // A source that ends (it should not) takes its entry with it, so the next subscriber starts a new one.
            entry.Connection.Disposable = _source(key)
                .Finally(() => Forget(key, entry))
                .Subscribe(entry.Subject);
        }

        return Disposable.Create(() =>
        {
            subscription.Dispose();
            bool stop;
            lock (_gate)
            {
                stop = --entry.Subscribers == 0;
                if (stop && _entries.TryGetValue(key, out var current) && ReferenceEquals(current, entry))
                {
                    _entries.Remove(key);
                }
            }

            if (stop)
            {
                entry.Connection.Dispose();
            }
        });
    });

    private void Forget(TKey key, Entry entry)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var current) && ReferenceEquals(current, entry))
            {
                _entries.Remove(key);
            }
        }
    }

    private sealed class Entry
    {
        public ReplaySubject<T> Subject { get; } = new(1);

        public SingleAssignmentDisposable Connection { get; } = new();

        public int Subscribers { get; set; }
    }
}
