using static SseRx.Tests.Events.TestEvents;

namespace SseRx.Tests.Buffering;

/// <summary>
/// <see cref="ConsumerBuffer.DeferWakes"/>: a reader waiting on an empty buffer is woken once, after the batch, with the
/// whole batch to read. Deterministic: a wait that has not completed is observed through its value task's status.
/// </summary>
public sealed class WakeDeferralTests
{
    [Fact]
    public async Task A_waiting_reader_wakes_only_when_the_batch_ends_and_then_reads_all_of_it()
    {
        using var buffer = new ConsumerBuffer(new ConsumerBufferOptions());
        var wait = buffer.WaitToReadAsync();
        Assert.False(wait.IsCompleted);

        using (ConsumerBuffer.DeferWakes())
        {
            buffer.OnNext(Item(1, "a"));
            buffer.OnNext(Item(2, "b"));
            Assert.False(wait.IsCompleted);
        }

        Assert.True(wait.IsCompleted);
        Assert.True(await wait);
        Assert.True(buffer.TryRead(out var first));
        Assert.True(buffer.TryRead(out var second));
        Assert.Equal(["a", "b"], new[] { first, second }.Select(e => e.Id.Key));
    }

    [Fact]
    public void Nested_scopes_wake_when_the_outermost_ends_and_every_deferred_reader_wakes()
    {
        using var one = new ConsumerBuffer(new ConsumerBufferOptions());
        using var two = new ConsumerBuffer(new ConsumerBufferOptions());
        var waitOne = one.WaitToReadAsync();
        var waitTwo = two.WaitToReadAsync();

        using (ConsumerBuffer.DeferWakes())
        {
            using (ConsumerBuffer.DeferWakes())
            {
                one.OnNext(Item(1, "a"));
            }

            two.OnNext(Item(2, "b"));
            Assert.False(waitOne.IsCompleted);
            Assert.False(waitTwo.IsCompleted);
        }

        Assert.True(waitOne.IsCompleted && waitTwo.IsCompleted);
    }

    [Fact]
    public async Task An_ending_buffer_wakes_its_reader_at_once_and_a_disposed_one_is_not_woken_with_true_later()
    {
        using var completing = new ConsumerBuffer(new ConsumerBufferOptions());
        var disposed = new ConsumerBuffer(new ConsumerBufferOptions());
        var waitCompleting = completing.WaitToReadAsync();
        var waitDisposed = disposed.WaitToReadAsync();

        using (ConsumerBuffer.DeferWakes())
        {
            completing.OnCompleted();
            disposed.OnNext(Item(1, "a"));
            disposed.Dispose();
            Assert.True(waitCompleting.IsCompleted);
            Assert.True(waitDisposed.IsCompleted);
        }

        Assert.False(await waitCompleting);
        Assert.False(await waitDisposed);
    }

    [Fact]
    public void Without_a_scope_the_reader_wakes_on_the_first_event()
    {
        using var buffer = new ConsumerBuffer(new ConsumerBufferOptions());
        var wait = buffer.WaitToReadAsync();

        buffer.OnNext(Item(1, "a"));

        Assert.True(wait.IsCompleted);
    }

    [Fact]
    public void A_scope_disposed_twice_is_refused()
    {
        var scope = ConsumerBuffer.DeferWakes();
        scope.Dispose();

        // A ref struct cannot be captured by Assert.Throws' lambda.
        InvalidOperationException? error = null;
        try
        {
            scope.Dispose();
        }
        catch (InvalidOperationException e)
        {
            error = e;
        }

        Assert.NotNull(error);
    }
}
