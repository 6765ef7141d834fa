using System.Collections.Concurrent;

namespace SseRx.Tests.Gate;

public sealed class ConnectionGateTests
{
    [Fact]
    public void A_thousand_concurrent_attempts_against_a_limit_of_100_admit_exactly_100()
    {
        const int attempts = 1_000;
        var gate = new ConnectionGate(new ConnectionGateOptions { MaxConnections = 100 });
        var leases = new ConcurrentBag<IDisposable>();
        var refusals = new ConcurrentBag<GateRefusal>();
        using var start = new Barrier(Environment.ProcessorCount * 4);

        // Every worker thread waits at the barrier, so the attempts really race.
        Parallel.For(
            0,
            start.ParticipantCount,
            new ParallelOptions { MaxDegreeOfParallelism = start.ParticipantCount },
            worker =>
            {
                start.SignalAndWait();
                for (var i = worker; i < attempts; i += start.ParticipantCount)
                {
                    if (gate.TryEnter($"client-{i}", out var refusal) is { } lease)
                    {
                        leases.Add(lease);
                    }
                    else
                    {
                        refusals.Add(refusal);
                    }
                }
            });

        Assert.Equal(100, leases.Count);
        Assert.Equal(100, gate.Active);
        Assert.Equal(attempts - 100, refusals.Count);
        Assert.All(refusals, r => Assert.Equal(GateRefusal.ProcessLimit, r));

        Parallel.ForEach(leases, lease => lease.Dispose());
        Assert.Equal(0, gate.Active);
    }

    [Fact]
    public void Concurrent_attempts_by_one_client_admit_exactly_its_cap_and_release_it_all()
    {
        var gate = new ConnectionGate(new ConnectionGateOptions { MaxConnections = 1_000, MaxConnectionsPerClient = 7 });
        var leases = new ConcurrentBag<IDisposable>();
        var refusals = new ConcurrentBag<GateRefusal>();
        using var start = new Barrier(8);

        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            start.SignalAndWait();
            for (var i = 0; i < 50; i++)
            {
                if (gate.TryEnter("alice", out var refusal) is { } lease)
                {
                    leases.Add(lease);
                }
                else
                {
                    refusals.Add(refusal);
                }
            }
        });

        Assert.Equal(7, leases.Count);
        Assert.Equal(7, gate.Active);
        Assert.All(refusals, r => Assert.Equal(GateRefusal.ClientLimit, r));

        Parallel.ForEach(leases, lease => lease.Dispose());
        Assert.Equal(0, gate.Active);
        Assert.Equal(0, gate.TrackedClients);
        using var again = gate.TryEnter("alice", out var none);
        Assert.NotNull(again);
        Assert.Equal(GateRefusal.None, none);
    }

    [Fact]
    public void Admitting_and_releasing_churn_on_many_threads_never_exceeds_the_limits()
    {
        var gate = new ConnectionGate(new ConnectionGateOptions { MaxConnections = 10, MaxConnectionsPerClient = 2 });
        var overLimit = 0;
        var perClient = new int[4];

        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                var client = (worker + i) % perClient.Length;
                using var lease = gate.TryEnter($"c{client}", out _);
                if (lease is null)
                {
                    continue;
                }

                if (Interlocked.Increment(ref perClient[client]) > 2 || gate.Active > 10)
                {
                    Interlocked.Increment(ref overLimit);
                }

                Interlocked.Decrement(ref perClient[client]);
            }
        });

        Assert.Equal(0, overLimit);
        Assert.Equal(0, gate.Active);
        Assert.Equal(0, gate.TrackedClients);
    }

    [Fact]
    public void The_per_client_cap_refuses_only_that_client_and_gives_back_the_process_slot()
    {
        var gate = new ConnectionGate(new ConnectionGateOptions { MaxConnections = 3, MaxConnectionsPerClient = 1 });

        using var alice = gate.TryEnter("alice", out var first);
        var aliceAgain = gate.TryEnter("alice", out var second);
        using var bob = gate.TryEnter("bob", out var third);
        using var anonymous = gate.TryEnter(null, out var fourth);
        var carol = gate.TryEnter("carol", out var fifth);

        Assert.NotNull(alice);
        Assert.Equal(GateRefusal.None, first);
        Assert.Null(aliceAgain);
        Assert.Equal(GateRefusal.ClientLimit, second);
        Assert.NotNull(bob);
        Assert.Equal(GateRefusal.None, third);
        Assert.NotNull(anonymous);
        Assert.Equal(GateRefusal.None, fourth);
        Assert.Null(carol);
        Assert.Equal(GateRefusal.ProcessLimit, fifth);
        Assert.Equal(3, gate.Active);
    }

    [Fact]
    public void Client_keys_are_not_capped_when_no_per_client_limit_is_set()
    {
        var gate = new ConnectionGate(new ConnectionGateOptions { MaxConnections = 3 });

        var leases = Enumerable.Range(0, 3).Select(i => gate.TryEnter("alice", out _)).ToList();

        Assert.All(leases, Assert.NotNull);
        Assert.Equal(3, gate.Active);
        Assert.Equal(0, gate.TrackedClients);
    }

    [Fact]
    public void Disposing_a_lease_twice_releases_it_once()
    {
        var gate = new ConnectionGate(new ConnectionGateOptions { MaxConnections = 2, MaxConnectionsPerClient = 2 });
        var first = gate.TryEnter("alice", out _)!;
        using var second = gate.TryEnter("alice", out _);

        first.Dispose();
        first.Dispose();

        Assert.Equal(1, gate.Active);
        using var third = gate.TryEnter("alice", out var refusal);
        Assert.NotNull(third);
        Assert.Equal(GateRefusal.None, refusal);
        Assert.Null(gate.TryEnter("alice", out refusal));
        Assert.Equal(GateRefusal.ProcessLimit, refusal);
    }

    [Fact]
    public void A_released_client_can_enter_again_after_its_count_returns_to_zero()
    {
        var gate = new ConnectionGate(new ConnectionGateOptions { MaxConnections = 10, MaxConnectionsPerClient = 1 });

        for (var i = 0; i < 3; i++)
        {
            var lease = gate.TryEnter("alice", out var refusal);
            Assert.NotNull(lease);
            Assert.Equal(GateRefusal.None, refusal);
            lease.Dispose();
        }

        Assert.Equal(0, gate.Active);
    }

    [Fact]
    public void Limit_reports_the_process_limit_and_the_options_are_copied()
    {
        var options = new ConnectionGateOptions { MaxConnections = 5 };
        var gate = new ConnectionGate(options);
        options.MaxConnections = 50;

        Assert.Equal(5, gate.Limit);
        Assert.Equal(100, new ConnectionGate(new ConnectionGateOptions()).Limit);
    }

    [Fact]
    public void Arguments_are_checked()
    {
        Assert.Throws<ArgumentNullException>("options", () => new ConnectionGate(null!));
        Assert.Throws<ArgumentOutOfRangeException>(
            "MaxConnections", () => new ConnectionGate(new ConnectionGateOptions { MaxConnections = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(
            "MaxConnectionsPerClient", () => new ConnectionGate(new ConnectionGateOptions { MaxConnectionsPerClient = 0 }));
    }
}
