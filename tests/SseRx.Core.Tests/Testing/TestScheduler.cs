using System.Reactive;
using System.Reactive.Concurrency;
using System.Reactive.Disposables;

namespace SseRx.Tests.Testing;

/// <summary>
/// A virtual-time scheduler with the API of Microsoft.Reactive.Testing's <c>TestScheduler</c>
/// (which cannot be restored here), so the package can replace it later.
/// </summary>
/// <remarks>
/// Time is counted in <see cref="TimeSpan"/> ticks (100 ns). One deliberate difference: tick 0 is the
/// Unix epoch rather than 0001-01-01, so SseRx event ids (Unix milliseconds) can be made from
/// <see cref="IScheduler.Now"/>. Tests that compare ticks are unaffected.
/// </remarks>
public sealed class TestScheduler : VirtualTimeScheduler<long, long>
{
    public static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    public override IDisposable ScheduleAbsolute<TState>(TState state, long dueTime, Func<IScheduler, TState, IDisposable> action)
    {
        // Work scheduled in the past runs "now", in order, exactly as the original does.
        if (dueTime <= Clock)
        {
            dueTime = Clock + 1;
        }

        return base.ScheduleAbsolute(state, dueTime, action);
    }

    protected override long Add(long absolute, long relative) => absolute + relative;

    protected override DateTimeOffset ToDateTimeOffset(long absolute) => Epoch.AddTicks(absolute);

    protected override long ToRelative(TimeSpan timeSpan) => timeSpan.Ticks;

    /// <summary>Creates the observable at <paramref name="created"/>, subscribes at <paramref name="subscribed"/>, disposes at <paramref name="disposed"/>.</summary>
    public ITestableObserver<T> Start<T>(Func<IObservable<T>> create, long created, long subscribed, long disposed)
    {
        ArgumentNullException.ThrowIfNull(create);
        IObservable<T>? source = null;
        var subscription = new SerialDisposable();
        var observer = CreateObserver<T>();

        ScheduleAbsolute(default(object), created, (_, _) =>
        {
            source = create();
            return Disposable.Empty;
        });
        ScheduleAbsolute(default(object), subscribed, (_, _) =>
        {
            subscription.Disposable = source!.Subscribe(observer);
            return Disposable.Empty;
        });
        ScheduleAbsolute(default(object), disposed, (_, _) =>
        {
            subscription.Dispose();
            return Disposable.Empty;
        });

        Start();
        return observer;
    }

    /// <summary>Creates at 100, subscribes at 200, disposes at <paramref name="disposed"/>.</summary>
    public ITestableObserver<T> Start<T>(Func<IObservable<T>> create, long disposed) =>
        Start(create, ReactiveTest.Created, ReactiveTest.Subscribed, disposed);

    /// <summary>Creates at 100, subscribes at 200, disposes at 1000.</summary>
    public ITestableObserver<T> Start<T>(Func<IObservable<T>> create) =>
        Start(create, ReactiveTest.Created, ReactiveTest.Subscribed, ReactiveTest.Disposed);

    public ITestableObservable<T> CreateHotObservable<T>(params Recorded<Notification<T>>[] messages) =>
        new HotObservable<T>(this, messages);

    public ITestableObservable<T> CreateColdObservable<T>(params Recorded<Notification<T>>[] messages) =>
        new ColdObservable<T>(this, messages);

    public ITestableObserver<T> CreateObserver<T>() => new MockObserver<T>(this);
}
