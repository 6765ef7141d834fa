namespace SseRx.Host.Configurations;

/// <summary>A configuration body that passed every check: exactly what is handed to the store.</summary>
/// <param name="Name">The display name.</param>
/// <param name="Tickers">Valid, distinct ticker symbols, in the order sent.</param>
internal sealed record ConfigurationInput(string Name, IReadOnlyList<string> Tickers);
