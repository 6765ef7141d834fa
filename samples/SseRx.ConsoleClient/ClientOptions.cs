using System.Globalization;

namespace SseRx.ConsoleClient;

internal sealed record ClientOptions(Uri Url, string? UserId, string? LastEventId, int? MaxEvents, TimeSpan MaxBackoff)
{
    public static ClientOptions Parse(string[] args)
    {
        var url = new Uri("http://localhost:5080/api/v2/stream");
        string? user = null, lastId = null;
        int? max = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--user":
                    user = args[++i];
                    break;
                case "--last-event-id":
                    lastId = args[++i];
                    break;
                case "--max-events":
                    max = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                default:
                    url = new Uri(args[i]);
                    break;
            }
        }

        return new ClientOptions(url, user, lastId, max, TimeSpan.FromSeconds(30));
    }
}
