using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace SseRx.Host.Auth;

/// <summary>Registers how the host identifies callers (see <see cref="UserIdentity"/>).</summary>
internal static class AuthenticationServiceCollectionExtensions
{
    /// <summary>
    /// Adds JWT Bearer authentication as the default scheme, configured from <c>SseRx:Auth:Jwt</c>, and the
    /// <see cref="SseRxAuthOptions"/> that <see cref="UserIdentity.GetUserId"/> reads, validated at start-up.
    /// </summary>
    /// <remarks>
    /// Settings are read when first needed, so values added to <paramref name="configuration"/> after this call
    /// (test overrides, for example) still apply. <see cref="Microsoft.AspNetCore.Builder.WebApplication"/> adds the
    /// authentication middleware itself once this is registered; a host that builds its own pipeline must call
    /// <c>UseAuthentication()</c> before the endpoints.
    /// </remarks>
    public static IServiceCollection AddSseRxAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<SseRxAuthOptions>()
            .Bind(configuration.GetSection(SseRxAuthOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SseRxAuthOptions>, SseRxAuthOptionsValidator>());

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<SseRxAuthOptions>>((bearer, auth) => ConfigureBearer(bearer, auth.Value.Jwt));
        return services;
    }

    private static void ConfigureBearer(JwtBearerOptions bearer, JwtAuthOptions jwt)
    {
        // Keep claim names as issued ("sub" stays "sub") instead of the legacy WS-Federation URIs.
        bearer.MapInboundClaims = false;
        bearer.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuer = string.IsNullOrEmpty(jwt.Issuer) ? null : jwt.Issuer,
            ValidateAudience = true,
            ValidAudience = jwt.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = JwtAuthOptions.ClockSkew,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            IssuerSigningKey = string.IsNullOrEmpty(jwt.SigningKey)
                ? null
                : new SymmetricSecurityKey(Encoding.UTF8.GetBytes(jwt.SigningKey)),
            NameClaimType = "sub",
        };

        if (!string.IsNullOrEmpty(jwt.Authority))
        {
            bearer.Authority = jwt.Authority;
            bearer.RequireHttpsMetadata = !Uri.TryCreate(jwt.Authority, UriKind.Absolute, out var authority) || !authority.IsLoopback;
        }
    }
}
