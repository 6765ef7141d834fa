using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace SseRx.Host.Tests.Infrastructure;

/// <summary>
/// Runs the host's start-up validation (what <c>ValidateOnStart</c> makes the host run before it serves) directly, over
/// the registrations a test names and the settings it gives. Not through WebApplicationFactory: there a failed start
/// can surface as an ObjectDisposedException instead (the factory races the app's own thread that disposes the failed
/// host).
/// </summary>
internal static class StartupValidation
{
    /// <summary>Validates; throws the <see cref="OptionsValidationException"/> the host would stop with.</summary>
    public static void Run(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection, IConfiguration> register)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        register(services, configuration);
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();
    }

    /// <summary>The error the host would stop with; fails the test if the settings validate.</summary>
    public static OptionsValidationException Error(
        IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection, IConfiguration> register) =>
        Assert.Throws<OptionsValidationException>(() => Run(settings, register));
}
