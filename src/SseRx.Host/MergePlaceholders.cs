// TEMPORARY: stand-ins for types another engineer is writing on the "configs" branch, so this branch compiles
// before that work lands on main. DELETE THIS FILE when merging main after the configs branch has landed.
namespace SseRx.Host.Auth
{
    internal static class PendingAuthenticationExtensions
    {
        public static IServiceCollection AddSseRxAuthentication(this IServiceCollection services, IConfiguration configuration) => services;
    }
}

namespace SseRx.Host.Configurations
{
    internal static class PendingConfigurationEndpoints
    {
        public static IEndpointRouteBuilder MapConfigurations(this IEndpointRouteBuilder endpoints) => endpoints;
    }
}

namespace SseRx.Configurations
{
    internal sealed class InMemoryConfigurationStore(TimeProvider timeProvider) : IConfigurationStore
    {
        public TimeProvider TimeProvider { get; } = timeProvider;

        public Task<UserConfiguration?> GetAsync(string ownerId, string id, CancellationToken cancellationToken) => throw new NotImplementedException();

        public Task<IReadOnlyList<UserConfiguration>> ListAsync(string ownerId, CancellationToken cancellationToken) => throw new NotImplementedException();

        public Task<UserConfiguration> CreateAsync(string ownerId, string name, IReadOnlyList<string> tickers, CancellationToken cancellationToken) => throw new NotImplementedException();

        public Task<UserConfiguration?> UpdateAsync(string ownerId, string id, string name, IReadOnlyList<string> tickers, CancellationToken cancellationToken) => throw new NotImplementedException();

        public Task<bool> DeleteAsync(string ownerId, string id, CancellationToken cancellationToken) => throw new NotImplementedException();

        public IObservable<UserConfiguration?> Watch(string ownerId, string id) => throw new NotImplementedException();
    }
}
