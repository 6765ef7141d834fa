
namespace SseRx.Host.Tests.Infrastructure;

/// <summary>A store failure the classifier treats as permanent: a missing table, bad credentials, a wrong region.</summary>
public sealed class StoreConfigurationException : Exception
{
    public StoreConfigurationException()
        : base("The table does not exist.")
    {
    }

    public StoreConfigurationException(string message)
        : base(message)
    {
    }

    public StoreConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Wraps the real store and fails on demand: from <see cref="FailWith"/> until <see cref="Recover"/>, every read
/// throws the given error without reaching the store. Records every read's outcome.
/// </summary>
public sealed class FaultySource(IEntryLog<SentimentItem> inner) : DelegatingItems(inner)
{
    private readonly Lock _gate = new();
    private readonly List<Fetch> _fetches = [];
    private Exception? _fault;

    /// <summary>One read: whether it succeeded and, if so, how many items it returned.</summary>
    public readonly record struct Fetch(bool Succeeded, int NewItems);

    /// <summary>Every fetch so far, in order.</summary>
    public IReadOnlyList<Fetch> Fetches
    {
        get
        {
            lock (_gate)
            {
                return [.. _fetches];
            }
        }
    }

    /// <summary>Fetches that failed so far.</summary>
    public int Failures
    {
        get
        {
            lock (_gate)
            {
                return _fetches.Count(static f => !f.Succeeded);
            }
        }
    }

    /// <summary>From now on every fetch fails with <paramref name="error"/>.</summary>
    public void FailWith(Exception error)
    {
        lock (_gate)
        {
            _fault = error;
        }
    }

    /// <summary>From now on fetches reach the store again.</summary>
    public void Recover()
    {
        lock (_gate)
        {
            _fault = null;
        }
    }

    public override async ValueTask<IReadOnlyList<SentimentItem>> ReadAsync(EntryRange range, CancellationToken cancellationToken)
    {
        Exception? fault;
        lock (_gate)
        {
            fault = _fault;
            if (fault is not null)
            {
                _fetches.Add(new Fetch(false, 0));
            }
        }

        if (fault is not null)
        {
            throw fault;
        }

        var items = await base.ReadAsync(range, cancellationToken);
        lock (_gate)
        {
            _fetches.Add(new Fetch(true, items.Count));
        }

        return items;
    }
}
