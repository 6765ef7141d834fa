using System.Reactive;

namespace SseRx.Tests.Testing;

/// <summary>A value recorded at a virtual time (same shape as Microsoft.Reactive.Testing's).</summary>
public readonly record struct Recorded<T>(long Time, T Value)
{
    public override string ToString() => $"{Value}@{Time}";
}

/// <summary>A subscription's lifetime in virtual ticks; <see cref="Infinite"/> while still subscribed.</summary>
public readonly record struct Subscription(long Subscribe, long Unsubscribe)
{
    public const long Infinite = long.MaxValue;

    public Subscription(long subscribe)
        : this(subscribe, Infinite)
    {
    }

    public override string ToString() =>
        Unsubscribe == Infinite ? $"({Subscribe}, Infinite)" : $"({Subscribe}, {Unsubscribe})";
}

public interface ITestableObserver<T> : IObserver<T>
{
    IList<Recorded<Notification<T>>> Messages { get; }
}

public interface ITestableObservable<T> : IObservable<T>
{
    IList<Subscription> Subscriptions { get; }

    IList<Recorded<Notification<T>>> Messages { get; }
}
