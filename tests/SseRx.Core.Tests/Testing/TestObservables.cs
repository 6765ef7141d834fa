using System.Reactive;
using System.Reactive.Disposables;

namespace SseRx.Tests.Testing;

internal sealed class MockObserver<T>(TestScheduler scheduler) : ITestableObserver<T>
{
    public IList<Recorded<Notification<T>>> Messages { get; } = new List<Recorded<Notification<T>>>();

    public void OnNext(T value) => Messages.Add(new(scheduler.Clock, Notification.CreateOnNext(value)));

    public void OnError(Exception error) => Messages.Add(new(scheduler.Clock, Notification.CreateOnError<T>(error)));

    public void OnCompleted() => Messages.Add(new(scheduler.Clock, Notification.CreateOnCompleted<T>()));
}

/// <summary>Emits its messages at their absolute times, to whoever is subscribed then.</summary>
internal sealed class HotObservable<T> : ITestableObservable<T>
{
    private readonly TestScheduler _scheduler;
    private readonly List<IObserver<T>> _observers = [];

    public HotObservable(TestScheduler scheduler, Recorded<Notification<T>>[] messages)
    {
        _scheduler = scheduler;
        Messages = messages;
        foreach (var message in messages)
        {
            scheduler.ScheduleAbsolute(default(object), message.Time, (_, _) =>
            {
                foreach (var observer in _observers.ToArray())
                {
                    message.Value.Accept(observer);
                }

                return Disposable.Empty;
            });
        }
    }

    public IList<Subscription> Subscriptions { get; } = new List<Subscription>();

    public IList<Recorded<Notification<T>>> Messages { get; }

    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _observers.Add(observer);
        Subscriptions.Add(new Subscription(_scheduler.Clock));
        var index = Subscriptions.Count - 1;
        return Disposable.Create(() =>
        {
            _observers.Remove(observer);
            Subscriptions[index] = new Subscription(Subscriptions[index].Subscribe, _scheduler.Clock);
        });
    }
}

/// <summary>Emits its messages at times relative to each subscription.</summary>
internal sealed class ColdObservable<T>(TestScheduler scheduler, Recorded<Notification<T>>[] messages) : ITestableObservable<T>
{
    public IList<Subscription> Subscriptions { get; } = new List<Subscription>();

    public IList<Recorded<Notification<T>>> Messages { get; } = messages;

    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        Subscriptions.Add(new Subscription(scheduler.Clock));
        var index = Subscriptions.Count - 1;
        var pending = new CompositeDisposable();
        foreach (var message in Messages)
        {
            pending.Add(scheduler.ScheduleRelative(default(object), message.Time, (_, _) =>
            {
                message.Value.Accept(observer);
                return Disposable.Empty;
            }));
        }

        return Disposable.Create(() =>
        {
            Subscriptions[index] = new Subscription(Subscriptions[index].Subscribe, scheduler.Clock);
            pending.Dispose();
        });
    }
}
