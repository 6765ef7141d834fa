using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SseRx.Browser.Tests;

/// <summary>
/// The dashboard open in a fresh browser context, recording what would show a broken page: uncaught script
/// errors and Content-Security-Policy violations (the host allows no inline script or style).
/// </summary>
internal sealed class DashboardPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly List<string> _problems = [];

    private DashboardPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.PageError += (_, error) => Record($"uncaught: {error}");
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                Record($"csp: {message.Text}");
            }
        };
    }

    public IPage Page { get; }

    public ILocator Connection => Page.Locator("#connection-state");

    public ILocator Feed => Page.Locator("#feed");

    public static async Task<DashboardPage> OpenAsync(IBrowser browser, string url)
    {
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var dashboard = new DashboardPage(context, page);
        await page.GotoAsync(url);
        return dashboard;
    }

    public ILocator Metric(string name) => Page.Locator($"#metric-{name}");

    public ILocator FeedItem(string itemId) => Page.Locator($"#feed [data-item-id='{itemId}']");

    /// <summary>Waits until the indicator is in <paramref name="state"/> (data-state and visible text agree).</summary>
    public async Task ExpectConnectionAsync(string state, TimeSpan within)
    {
        var timeout = (float)within.TotalMilliseconds;
        await Expect(Connection).ToHaveAttributeAsync("data-state", state, new() { Timeout = timeout });
        var text = char.ToUpperInvariant(state[0]) + state[1..];
        await Expect(Connection).ToHaveTextAsync(text, new() { Timeout = timeout });
    }

    /// <summary>Fails if the page threw or the browser blocked something under the Content-Security-Policy.</summary>
    public void AssertHealthy()
    {
        lock (_problems)
        {
            Assert.True(_problems.Count == 0, "The page reported problems:\n" + string.Join('\n', _problems));
        }
    }

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    private void Record(string problem)
    {
        lock (_problems)
        {
            _problems.Add(problem);
        }
    }
}
