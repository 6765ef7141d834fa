namespace SseRx.Fleet.Tests.Infrastructure;

/// <summary>Each client's items counted against the store: every stored item exactly once, nothing else.</summary>
internal sealed record Delivery(int Clients, int Stored, int Lost, int Duplicated, int Unknown, int ClientsMissingSomething)
{
    public static Delivery Count(EventSourceClients.Report report, IReadOnlyCollection<string> stored)
    {
        var storedSet = stored.ToHashSet(StringComparer.Ordinal);
        int lost = 0, duplicated = 0, unknown = 0, missing = 0;
        foreach (var client in report.Clients)
        {
            var received = client.Items.ToHashSet(StringComparer.Ordinal);
            var clientLost = storedSet.Count(id => !received.Contains(id));
            lost += clientLost;
            duplicated += client.Items.Length - received.Count;
            unknown += received.Count(id => !storedSet.Contains(id));
            missing += clientLost > 0 ? 1 : 0;
        }

        return new Delivery(report.Clients.Count, stored.Count, lost, duplicated, unknown, missing);
    }

    public override string ToString() =>
        $"{Stored} items in the store, {Clients} clients: lost {Lost} (clients missing any: {ClientsMissingSomething}), duplicated {Duplicated}, not in the store {Unknown}";
}
