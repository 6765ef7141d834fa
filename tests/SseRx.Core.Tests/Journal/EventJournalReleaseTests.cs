using System.Reactive.Disposables;
using SseRx.Tests.Testing;
using static SseRx.Tests.Events.TestEvents;
using static SseRx.Tests.Testing.ReactiveTest;

namespace SseRx.Tests.Journal;

/// <summary>
/// The journal letting go of its source when the last reader leaves, while the source is still delivering: the
/// race a shared poller runs into when a poll completes just as the last client disconnects.
/// </summary>
public sealed class EventJournalReleaseTests
{
    [Fact]
    public void An_event_delivered_while_the_last_reader_releases_the_source_is_kept_for_the_next_reader()
    {
        var scheduler = new TestScheduler();
        var a = Item(1, "a");
        var b = Item(2, "b");
        var c = Item(3, "c");

        // b is the poll that completes during the release: a source that keeps its cursor (SentimentFeed) has
        // already moved past it and will never deliver it again.
        var source = new LastGaspSource(b);
        using var journal = source.ToJournal(new JournalOptions(), scheduler);
        var first = scheduler.CreateObserver<SseEvent>();
        var leaving = journal.ResumeFrom(null).Subscribe(first);
        source.Current!.OnNext(a);

        leaving.Dispose();

        Assert.Equal(0, journal.ReaderCount);
        Assert.Equal(b.Id, journal.Head);
        var next = scheduler.CreateObserver<SseEvent>();
        using var resumed = journal.ResumeFrom(a.Id.ToString()).Subscribe(next);
        source.Current!.OnNext(c);
        first.Messages.AssertEqual(OnNext(0, a));
        next.Messages.AssertEqual(OnNext(0, b), OnNext(0, c));
        Assert.Equal(2, source.Subscriptions);
    }

    [Fact]
    public void A_released_subscription_is_still_heard_after_a_new_reader_arrives_until_the_new_subscription_delivers()
    {
        var scheduler = new TestScheduler();
        var a = Item(1, "a");
        var rest = Item(2, "rest");
        var inFlight = Item(3, "in-flight");
        var source = new LastGaspSource(gasp: null);
        using var journal = source.ToJournal(new JournalOptions(), scheduler);
        var leaving = journal.ResumeFrom(null).Subscribe(_ => { });
        var released = source.Current!;
        released.OnNext(a);
        leaving.Dispose();

        // The rest of a batch whose delivery released the last reader, say: still the source's own events.
        released.OnNext(rest);
        Assert.Equal(rest.Id, journal.Head);

        // A new reader arrives (a new subscription) while the old poll is still delivering.
        var res = scheduler.CreateObserver<SseEvent>();
        using var next = journal.ResumeFrom(a.Id.ToString()).Subscribe(res);
        released.OnNext(inFlight);

        Assert.Equal(2, source.Subscriptions);
        res.Messages.AssertEqual(OnNext(0, rest), OnNext(0, inFlight));
        Assert.Equal(inFlight.Id, journal.Head);
        Assert.Equal(3, journal.Count);
    }

    [Fact]
    public void Stragglers_of_a_released_subscription_are_ignored_once_a_newer_one_has_delivered()
    {
        var scheduler = new TestScheduler();
        var a = Item(1, "a");
        var fresh = Item(5, "fresh");
        var straggler = Item(3, "straggler");
        var source = new LastGaspSource(gasp: null);
        using var journal = source.ToJournal(new JournalOptions(), scheduler);
        var leaving = journal.ResumeFrom(null).Subscribe(_ => { });
        var old = source.Current!;
        old.OnNext(a);

        // While the first subscription is being released, a new reader arrives and the new subscription delivers
        // first; then the old one delivers a straggler, which would now be out of order.
        var res = scheduler.CreateObserver<SseEvent>();
        IDisposable? next = null;
        source.OnRelease = () =>
        {
            next = journal.ResumeFrom(a.Id.ToString()).Subscribe(res);
            source.Current!.OnNext(fresh);
            old.OnNext(straggler);
        };

        leaving.Dispose();

        res.Messages.AssertEqual(OnNext(0, fresh));
        Assert.Equal(fresh.Id, journal.Head);
        Assert.Equal(2, source.Subscriptions);
        next!.Dispose();
        Assert.Equal(0, journal.ReaderCount);
    }

    /// <summary>
    /// A hot source whose next unsubscription first delivers <c>gasp</c> (if any), then runs <see cref="OnRelease"/>,
    /// the way a poll in flight completes while the subscriber is letting go. Each happens once.
    /// </summary>
    private sealed class LastGaspSource(SseEvent? gasp) : IObservable<SseEvent>
    {
        private SseEvent? _gasp = gasp;

        public IObserver<SseEvent>? Current { get; private set; }

        public int Subscriptions { get; private set; }

        public Action? OnRelease { get; set; }

        public IDisposable Subscribe(IObserver<SseEvent> observer)
        {
            Current = observer;
            Subscriptions++;
            return Disposable.Create(() =>
            {
                if (_gasp is { } value)
                {
                    _gasp = null;
                    observer.OnNext(value);
                }

                var release = OnRelease;
                OnRelease = null;
                release?.Invoke();
            });
        }
    }
}
