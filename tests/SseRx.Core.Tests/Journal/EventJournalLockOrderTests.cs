using System.Reactive;
using System.Reactive.Subjects;
using SseRx.Tests.Testing;
using static SseRx.Tests.Events.TestEvents;

namespace SseRx.Tests.Journal;

/// <summary>
/// A reader disposed on one thread while the journal's fan-out, on another, is blocked inside that reader's pipeline.
/// In the host this is a heartbeat that overflows a full buffer (the heartbeat's lock is held, and disposal reaches the
/// journal) at the moment a poll's fan-out waits for the same heartbeat lock. Two real threads are forced into that
/// interleaving by handshakes; the deadline only bounds a deadlock, and the deferred removal runs on a virtual-time
/// scheduler, so nothing waits for time to pass.
/// </summary>
public sealed class EventJournalLockOrderTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Disposing_a_reader_while_holding_a_lock_the_fan_out_waits_for_does_not_deadlock()
    {
        var scheduler = new TestScheduler();
        using var source = new Subject<SseEvent>();
        using var journal = source.ToJournal(new JournalOptions(), scheduler);
        var pipelineLock = new Lock();
        using var fanOutInsidePipeline = new ManualResetEventSlim();
        var delivered = new List<SseEvent>();
        using var subscription = journal.ResumeFrom(null).Subscribe(Observer.Create<SseEvent>(value =>
        {
            // The fan-out thread, holding the journal's lock, enters the pipeline and needs the pipeline's lock.
            fanOutInsidePipeline.Set();
            lock (pipelineLock)
            {
                delivered.Add(value);
            }
        }));
        using var other = journal.ResumeFrom(null).Subscribe(_ => { });

        var disposer = Task.Factory.StartNew(
            () =>
            {
                lock (pipelineLock)
                {
                    Assert.True(fanOutInsidePipeline.Wait(Deadline));
                    subscription.Dispose(); // reaches the journal while holding the pipeline's lock
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        var fanOut = Task.Factory.StartNew(
            () => source.OnNext(Item(1, "a")),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        // Before the fix both threads waited for each other's lock forever.
        await Task.WhenAll(disposer, fanOut).WaitAsync(Deadline);

        // The disposed reader still holds its slot (the journal was busy); its removal waits on the journal's scheduler.
        Assert.Equal(2, journal.ReaderCount);
        scheduler.AdvanceBy(1);
        Assert.Equal(1, journal.ReaderCount);

        source.OnNext(Item(2, "b"));
        Assert.Single(delivered);
    }
}
