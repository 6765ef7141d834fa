using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace SseRx.Browser.Tests;

/// <summary>
/// Many tabs on HTTP/1.1, where chromium opens at most six connections to one host: without sharing a seventh
/// dashboard tab never loads; with it (the default) eight tabs update live over one stream, and closing the tab that
/// holds it hands the stream to another tab with no item lost.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class TabSharingTests(BrowserFixture browser, ITestOutputHelper output)
{
    private const int Tabs = 8;
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Eight_tabs_update_live_over_one_stream_and_closing_the_leader_hands_over_with_no_item_lost()
    {
        await using var host = DashboardHost.Start();
        await using var context = await browser.Browser.NewContextAsync();
        var pages = new List<IPage>();
        for (var i = 0; i < Tabs; i++)
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync(host.BaseAddress);
            pages.Add(page);
        }

        foreach (var page in pages)
        {
            await Expect(page.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = Ms(Within) });
        }

        Assert.Equal(1, (await RolesAsync(pages)).Count(r => r == "leader"));
        Assert.Equal(Tabs - 1, (await RolesAsync(pages)).Count(r => r == "follower"));
        Assert.Equal(1, host.OpenStreams);

        host.Store.Add(DashboardHost.Item("shared-1", "AAPL", 0.5));
        foreach (var page in pages)
        {
            await Expect(page.Locator("#feed [data-item-id='shared-1']")).ToBeVisibleAsync(new() { Timeout = Ms(Within) });
        }

        // Items keep coming, one every 100 ms, while the leader's tab closes.
        var written = new List<string>();
        var leader = pages[(await RolesAsync(pages)).IndexOf("leader")];
        pages.Remove(leader);
        var tenthWritten = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writing = Task.Run(async () =>
        {
            for (var n = 1; n <= 30; n++)
            {
                var id = string.Create(CultureInfo.InvariantCulture, $"handover-{n:D2}");
                host.Store.Add(DashboardHost.Item(id, "MSFT", 0.1));
                lock (written)
                {
                    written.Add(id);
                }

                if (n == 10)
                {
                    tenthWritten.SetResult();
                }

                await Task.Delay(100); // the writer's pace, not a wait for an outcome
            }
        });

        await tenthWritten.Task.WaitAsync(Within);
        await leader.CloseAsync();
        var closed = Stopwatch.StartNew();
        string firstAfterClose;
        lock (written)
        {
            firstAfterClose = string.Create(CultureInfo.InvariantCulture, $"handover-{written.Count + 1:D2}");
        }

        await EventuallyAsync(async () => (await RolesAsync(pages)).Contains("leader"), "another tab took the stream over");
        var newLeaderAt = closed.Elapsed;
        foreach (var page in pages)
        {
            await Expect(page.Locator($"#feed [data-item-id='{firstAfterClose}']")).ToBeVisibleAsync(new() { Timeout = Ms(Within) });
        }

        var firstItemEverywhereAt = closed.Elapsed;
        await writing.WaitAsync(Within);
        foreach (var page in pages)
        {
            await Expect(page.Locator($"#feed [data-item-id='{written[^1]}']")).ToBeVisibleAsync(new() { Timeout = Ms(Within) });
        }

        var lost = 0;
        foreach (var page in pages)
        {
            var shown = (await page.Locator("#feed [data-item-id]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.itemId)")).ToHashSet();
            lost += written.Count(id => !shown.Contains(id));
        }

        var roles = await RolesAsync(pages);
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{Tabs} tabs over HTTP/1.1 on one stream; leader closed: a new leader {newLeaderAt.TotalMilliseconds:0} ms after the close, " +
            $"the first item written after the close ({firstAfterClose}) in all {pages.Count} remaining tabs {firstItemEverywhereAt.TotalMilliseconds:0} ms after it " +
            $"(poll interval 200 ms, one item every 100 ms); " +
            $"{written.Count} items written during the handover, {lost} missing across the tabs"));

        Assert.Equal(0, lost);
        Assert.Equal(1, roles.Count(r => r == "leader"));
        await EventuallyAsync(() => host.OpenStreams == 1, "one stream again after the handover");
    }

    [Fact]
    public async Task Without_sharing_a_seventh_tab_on_HTTP_1_1_does_not_even_load()
    {
        await using var host = DashboardHost.Start();
        await using var context = await browser.Browser.NewContextAsync();
        var pages = new List<IPage>();
        for (var i = 0; i < 6; i++)
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync(host.BaseAddress + "?share=0");
            await Expect(page.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = Ms(Within) });
            Assert.Equal("single", await page.EvaluateAsync<string>("() => document.documentElement.dataset.streamRole"));
            pages.Add(page);
        }

        Assert.Equal(6, host.OpenStreams);

        // Six open streams hold all six connections chromium allows to this host: the seventh tab's page request waits.
        var seventh = await context.NewPageAsync();
        var loading = seventh.GotoAsync(host.BaseAddress + "?share=0", new() { Timeout = 0 });
        var finished = await Task.WhenAny(loading, Task.Delay(TimeSpan.FromSeconds(3)));
        Assert.NotSame(loading, finished);
        Assert.Equal(6, host.OpenStreams);

        // Closing one tab frees a connection, and the seventh loads and connects.
        await pages[0].CloseAsync();
        await loading.WaitAsync(Within);
        await Expect(seventh.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = Ms(Within) });
    }

    private static async Task<List<string>> RolesAsync(IEnumerable<IPage> pages)
    {
        var roles = new List<string>();
        foreach (var page in pages)
        {
            roles.Add(await page.EvaluateAsync<string>("() => document.documentElement.dataset.streamRole ?? ''"));
        }

        return roles;
    }

    private static Task EventuallyAsync(Func<bool> condition, string what) => EventuallyAsync(() => Task.FromResult(condition()), what);

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < Within, $"Not within {Within}: {what}");
            await Task.Delay(50);
        }
    }

    private static float Ms(TimeSpan span) => (float)span.TotalMilliseconds;
}
