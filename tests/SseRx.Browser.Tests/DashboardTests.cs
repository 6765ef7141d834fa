using static Microsoft.Playwright.Assertions;

namespace SseRx.Browser.Tests;

/// <summary>The dashboard against the real host, in Debian's chromium: the behaviour a user sees.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardTests(BrowserFixture browser)
{
    private static readonly TimeSpan ConnectWithin = TimeSpan.FromSeconds(5);

    // The host polls its store every 200 ms in these tests; 10 s leaves room for a loaded CI machine.
    private static readonly TimeSpan LiveUpdateWithin = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Page_shows_Connected_within_5_seconds()
    {
        await using var host = DashboardHost.Start();
        await using var page = await DashboardPage.OpenAsync(browser.Browser, host.BaseAddress);

        await page.ExpectConnectionAsync("connected", ConnectWithin);
        page.AssertHealthy();
    }

    [Fact]
    public async Task Item_added_to_the_store_appears_in_the_feed_without_a_refresh()
    {
        await using var host = DashboardHost.Start();
        await using var page = await DashboardPage.OpenAsync(browser.Browser, host.BaseAddress);
        await page.ExpectConnectionAsync("connected", ConnectWithin);
        await page.Page.EvaluateAsync("() => { window.__sameDocument = true; }");

        host.Store.Add(DashboardHost.Item("browser-item-1", "NVDA", -0.64));

        var row = page.FeedItem("browser-item-1");
        await Expect(row).ToBeVisibleAsync(new() { Timeout = (float)LiveUpdateWithin.TotalMilliseconds });
        await Expect(row).ToContainTextAsync("NVDA");
        await Expect(row).ToContainTextAsync("negative");
        await Expect(row).ToContainTextAsync("-0.64");
        await Expect(page.Metric("total")).ToHaveTextAsync("1", new() { Timeout = (float)LiveUpdateWithin.TotalMilliseconds });
        await Expect(page.Metric("negative")).ToHaveTextAsync("1");
        Assert.True(await page.Page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page reloaded");
        page.AssertHealthy();
    }

    [Fact]
    public async Task Newest_item_is_on_top_and_an_item_shows_once()
    {
        await using var host = DashboardHost.Start();
        await using var page = await DashboardPage.OpenAsync(browser.Browser, host.BaseAddress);
        await page.ExpectConnectionAsync("connected", ConnectWithin);

        host.Store.Add(DashboardHost.Item("order-1", "AAPL", 0.5));
        await Expect(page.FeedItem("order-1")).ToBeVisibleAsync(new() { Timeout = (float)LiveUpdateWithin.TotalMilliseconds });
        host.Store.Add(DashboardHost.Item("order-2", "MSFT", 0.1));
        await Expect(page.FeedItem("order-2")).ToBeVisibleAsync(new() { Timeout = (float)LiveUpdateWithin.TotalMilliseconds });

        var ids = await page.Feed.Locator("[data-item-id]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.itemId)");
        Assert.Equal(["order-2", "order-1"], ids);
    }

    [Fact]
    public async Task Picking_a_saved_configuration_streams_only_its_tickers()
    {
        await using var host = DashboardHost.Start();
        var chips = await host.Configurations.CreateAsync("alice", "Chips", ["NVDA"], CancellationToken.None);
        await using var page = await DashboardPage.OpenAsync(browser.Browser, host.BaseAddress);
        await page.ExpectConnectionAsync("connected", ConnectWithin);

        await page.Page.Locator("#user-id").FillAsync("alice");
        await page.Page.Locator("#user-id").PressAsync("Enter");
        var picker = page.Page.Locator("#configuration");
        await Expect(picker.Locator($"option[value='{chips.Id}']")).ToHaveCountAsync(1, new() { Timeout = (float)LiveUpdateWithin.TotalMilliseconds });
        await picker.SelectOptionAsync(chips.Id);
        await Expect(page.Page.Locator("#stream-info")).ToContainTextAsync("Chips");
        await page.ExpectConnectionAsync("connected", ConnectWithin);

        // In order: had the AAPL item been streamed, it would be on the page before the NVDA one.
        host.Store.Add(DashboardHost.Item("other-ticker", "AAPL", 0.4));
        host.Store.Add(DashboardHost.Item("config-ticker", "NVDA", 0.4));
        await Expect(page.FeedItem("config-ticker")).ToBeVisibleAsync(new() { Timeout = (float)LiveUpdateWithin.TotalMilliseconds });
        await Expect(page.FeedItem("other-ticker")).ToHaveCountAsync(0);

        // The choice is remembered for the next visit.
        Assert.Equal(chips.Id, await page.Page.EvaluateAsync<string>("() => localStorage.getItem('sserx.configurationId')"));
        page.AssertHealthy();
    }

    [Fact]
    public async Task Page_reconnects_by_itself_after_a_host_restart()
    {
        var port = DashboardHost.FreePort();
        var first = DashboardHost.Start(port);
        await using var page = await DashboardPage.OpenAsync(browser.Browser, first.BaseAddress);
        try
        {
            await page.ExpectConnectionAsync("connected", ConnectWithin);
            await page.Page.EvaluateAsync("() => { window.__sameDocument = true; }");
        }
        finally
        {
            await first.DisposeAsync();
        }

        // The page must notice the stream is gone, not merely keep a stale "Connected".
        await page.ExpectConnectionAsync("reconnecting", TimeSpan.FromSeconds(10));

        await using var second = DashboardHost.Start(port);

        // Backoff after three failed attempts is at most 4 s (+20 % jitter) before the next try.
        await page.ExpectConnectionAsync("connected", TimeSpan.FromSeconds(20));
        second.Store.Add(DashboardHost.Item("after-restart", "TSLA", 0.3));
        await Expect(page.FeedItem("after-restart")).ToBeVisibleAsync(new() { Timeout = (float)LiveUpdateWithin.TotalMilliseconds });
        Assert.True(await page.Page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page reloaded instead of reconnecting");
        page.AssertHealthy();
    }

    [Fact]
    public async Task Page_polls_the_metrics_and_says_so_when_the_stream_role_is_unreachable()
    {
        var closedPort = DashboardHost.FreePort();
        await using var host = DashboardHost.Start(
            0,
            ("SseRx:Role", "api"),
            ("SseRx:Dashboard:SseBaseUrl", $"http://127.0.0.1:{closedPort}"));
        await using var page = await DashboardPage.OpenAsync(browser.Browser, host.BaseAddress);

        // Four failed connects (backoff 1 + 2 + 4 s, +20 % jitter) before polling starts.
        await page.ExpectConnectionAsync("polling", TimeSpan.FromSeconds(20));
        await Expect(page.Page.Locator("#notices")).ToContainTextAsync("polling mode");

        host.Store.Add(DashboardHost.Item("poll-1", "AAPL", 0.7));
        host.Store.Add(DashboardHost.Item("poll-2", "AAPL", -0.5));
        host.Store.Add(DashboardHost.Item("poll-3", "MSFT", 0.0));

        // One poll every 5 s.
        var within = new Microsoft.Playwright.LocatorAssertionsToHaveTextOptions { Timeout = 15_000 };
        await Expect(page.Metric("total")).ToHaveTextAsync("3", within);
        await Expect(page.Metric("positive")).ToHaveTextAsync("1");
        await Expect(page.Metric("neutral")).ToHaveTextAsync("1");
        await Expect(page.Metric("negative")).ToHaveTextAsync("1");
        await Expect(page.Connection).ToHaveAttributeAsync("data-state", "polling");
        page.AssertHealthy();
    }
}
