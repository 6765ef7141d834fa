namespace SseRx.Fleet.Tests.Infrastructure;

/// <summary>
/// How a fleet run ended for its clients: each client's items counted against the store, what every client saw, and the
/// run's stream requests as nginx logged them.
/// </summary>
internal sealed record RunOutcome(Delivery Delivery, EventSourceClients.Report Report, IReadOnlyList<AccessLogLine> StreamLines)
{
    /// <summary>Errors after which a client gave up for good (a non-200 answer reached it).</summary>
    public int Fatal => Report.Clients.Sum(c => c.Errors.Count(e => e.Fatal));

    /// <summary>Reconnect attempts that failed and had to be retried.</summary>
    public int FailedAttempts => Report.Clients.Sum(c => c.FailedAttempts);

    /// <summary>
    /// Of the stream requests nginx received from <paramref name="fromMs"/> on (Unix milliseconds): those answered with
    /// anything but 200 (what a client saw), and the attempts nginx made on an instance and then retried on another before
    /// answering 200: 503s, and failed connects (502) or timeouts (504).
    /// </summary>
    public (int ClientVisibleNon2xx, int Retried503, int RetriedConnectFailures) Answers(double fromMs = 0, double toMs = double.MaxValue)
    {
        var lines = StreamLines.Where(l => l.StartedAtMs >= fromMs && l.StartedAtMs < toMs).ToList();
        return (lines.Count(l => l.Status is < 200 or > 299),
            lines.Where(l => l.Status == 200).Sum(l => l.UpstreamStatuses.Count(s => s == 503)),
            lines.Where(l => l.Status == 200).Sum(l => l.UpstreamStatuses.Count(s => s is 502 or 504)));
    }

    /// <summary>Every client got every stored item exactly once, and no client was refused, gave up, or had to retry a reconnect.</summary>
    public void AssertExactlyOnceWithoutClientErrors()
    {
        Assert.Equal(0, Delivery.Lost);
        Assert.Equal(0, Delivery.Duplicated);
        Assert.Equal(0, Delivery.Unknown);
        Assert.Equal(0, Fatal);
        Assert.Equal(0, Answers().ClientVisibleNon2xx);
        Assert.Equal(0, FailedAttempts);
    }

    /// <summary>The client-side and nginx-side summary, for the test's output.</summary>
    public string Describe()
    {
        var (visible, retried503, retriedConnects) = Answers();
        return $"{Delivery}; fatal errors {Fatal}, failed reconnect attempts {FailedAttempts}; stream requests {StreamLines.Count}: " +
            $"non-2xx to a client {visible}, retried by nginx on another instance {retried503} after a 503 and {retriedConnects} after a failed connect";
    }
}
