namespace SseRx.Host.Tests.Infrastructure;

/// <summary>Waits for a condition that another thread makes true, checking it until a deadline (no fixed sleeps).</summary>
public static class Eventually
{
    /// <summary>Returns once <paramref name="condition"/> holds; fails with <paramref name="because"/> at the deadline.</summary>
    public static Task TrueAsync(Func<bool> condition, string because, TimeSpan? timeout = null) =>
        TrueAsync(() => Task.FromResult(condition()), because, timeout);

    /// <summary>Returns once <paramref name="condition"/> holds; fails with <paramref name="because"/> at the deadline.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string because, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? SseRxApp.Deadline);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Not true within the deadline: {because}");
            }

            // A short pause between checks so the check itself does not starve the server on a small machine.
            await Task.Delay(20);
        }
    }
}
