using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;
using SseRx.Browser.Tests;
using SseRx.Fleet.Tests.Infrastructure;
using SseRx.Host.Tests.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace SseRx.Fleet.Tests;

/// <summary>
/// The other fix for many tabs: HTTP/2, where a browser multiplexes every request to a host over one connection, so the
/// six-connections-per-host limit of HTTP/1.1 does not apply. Chromium (Debian's, through Playwright) opens the
/// dashboard eight times through nginx's TLS port (a self-signed certificate made by the fleet), each tab with a
/// stream of its own (<c>?share=0</c>, so the transport alone is tested), and all eight update live over one connection.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class Http2Tests(FleetFixture fleet, BrowserFixture browser, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    private const int Tabs = 8;
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Eight_tabs_stream_live_over_one_HTTP_2_connection_through_nginx()
    {
        await fleet.EnsureAllRunningAsync();
        var logStart = fleet.Nginx.AccessLog().Length;
        var before = await StreamsAsync();
        var pages = new List<IPage>();
        await using (var context = await browser.Browser.NewContextAsync(new() { IgnoreHTTPSErrors = true }))
        {
            for (var i = 0; i < Tabs; i++)
            {
                var page = await context.NewPageAsync();
                await page.GotoAsync(new Uri(fleet.ProxyHttps, "/?share=0").ToString());
                pages.Add(page);
            }

            foreach (var page in pages)
            {
                await Expect(page.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = Ms(Within) });
                Assert.Equal("h2", await page.EvaluateAsync<string>("() => performance.getEntriesByType('navigation')[0].nextHopProtocol"));
            }

            await Eventually.TrueAsync(async () => await StreamsAsync() - before == Tabs, $"the instances hold the {Tabs} tabs' streams", Within);

            var id = $"h2-{Guid.NewGuid():N}"[..11];
            var clock = Stopwatch.StartNew();
            await fleet.Writer().WriteAsync(new SentimentItem(id, "NVDA", SentimentLabel.Positive, 0.7, DateTimeOffset.UtcNow), CancellationToken.None);
            foreach (var page in pages)
            {
                await Expect(page.Locator($"#feed [data-item-id='{id}']")).ToBeVisibleAsync(new() { Timeout = Ms(Within) });
            }

            var shownEverywhere = clock.Elapsed;

            // nginx logs each stream when it ends: close the tabs, then read which client connection carried each.
            await context.CloseAsync();
            var lines = new List<AccessLogLine>();
            await Eventually.TrueAsync(
                () => (lines = [.. AccessLogLine.Parse(fleet.Nginx.AccessLog().Skip(logStart)).Where(l => l.IsStream)]).Count >= Tabs,
                "nginx logged the tabs' streams",
                Within);

            var connections = lines.Select(l => l.Connection).Distinct().Count();
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"HTTP/2 through nginx (TLS, self-signed): {Tabs} tabs, each its own stream (?share=0): {lines.Count} streams over {connections} client " +
                $"connection(s), protocol {string.Join(", ", lines.Select(l => l.Protocol).Distinct())}; an item shown in all {Tabs} tabs " +
                $"{shownEverywhere.TotalMilliseconds:0} ms after its write (poll 200 ms, visibility bound 1 s)"));
            Assert.Equal(Tabs, lines.Count);
            Assert.All(lines, l => Assert.Equal("HTTP/2.0", l.Protocol));
            Assert.Equal(1, connections);
        }
    }

    private async Task<int> StreamsAsync()
    {
        var health = await Task.WhenAll(Enumerable.Range(0, FleetFixture.StreamInstances).Select(fleet.HealthAsync));
        return health.Sum(h => h.Connections);
    }

    private static float Ms(TimeSpan span) => (float)span.TotalMilliseconds;
}
