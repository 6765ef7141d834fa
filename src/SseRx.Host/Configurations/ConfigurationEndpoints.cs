using System.Buffers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SseRx.Host.Auth;

namespace SseRx.Host.Configurations;

/// <summary>
/// The owner-scoped configuration API under <c>/api/v2/configurations</c>: create, list, read, replace, delete.
/// </summary>
/// <remarks>
/// <para>
/// Every route needs an identity (<see cref="UserIdentity.GetUserId"/>); without one the answer is 401 problem details
/// and the body is not read. A configuration that does not exist and one that belongs to someone else get the same
/// 404 body, so ids cannot be probed.
/// </para>
/// <para>
/// Bodies are JSON <c>{"name": string, "tickers": string[]}</c>, checked by <see cref="ConfigurationBodyReader"/> and
/// <see cref="ConfigurationValidator"/>; any failure is 400 validation problem details naming the field, and the
/// store is called only with input that passed every check, so nothing is half-saved. Responses carry
/// <see cref="UserConfiguration"/> as JSON (<c>id</c>, <c>owner_id</c>, <c>name</c>, <c>tickers</c>,
/// <c>created_at</c>, <c>updated_at</c>).
/// </para>
/// </remarks>
internal static class ConfigurationEndpoints
{
    /// <summary>The route prefix of the configuration API.</summary>
    public const string Prefix = "/api/v2/configurations";

    // Ids this long or with other characters cannot be ours (nor any sane store's); they are answered 404 unread.
    private const int MaxIdLength = 128;

    private static readonly SearchValues<char> IdCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    private static readonly object OwnerKey = new();

    /// <summary>
    /// Maps <c>POST</c> (201 with <c>Location</c>) and <c>GET</c> (the caller's configurations, oldest first, as
    /// <c>{"configurations": [...]}</c>) on <c>/api/v2/configurations</c>, and <c>GET</c>, <c>PUT</c> (full
    /// replacement of name and tickers; 200) and <c>DELETE</c> (204) on <c>/api/v2/configurations/{id}</c>.
    /// Needs an <see cref="IConfigurationStore"/> service and <c>AddSseRxAuthentication</c>.
    /// </summary>
    /// <returns>The group, whose identity check also applies to routes added to it later.</returns>
    public static RouteGroupBuilder MapConfigurations(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);

        var group = endpoints.MapGroup(Prefix);
        group.AddEndpointFilter(RequireIdentityAsync);
        group.MapPost("", CreateAsync);
        group.MapGet("", ListAsync);
        group.MapGet("/{id}", GetAsync);
        group.MapPut("/{id}", UpdateAsync);
        group.MapDelete("/{id}", DeleteAsync);
        return group;
    }

    /// <summary>The caller's user id, set by the group's identity check.</summary>
    private static string Owner(HttpContext context) => (string)context.Items[OwnerKey]!;

    private static async ValueTask<object?> RequireIdentityAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        if (UserIdentity.GetUserId(context) is not { } owner)
        {
            return UserIdentity.Unauthorized(context);
        }

        context.Items[OwnerKey] = owner;
        return await next(invocation);
    }

    private static async Task<IResult> CreateAsync(HttpContext context, [FromServices] IConfigurationStore store)
    {
        var (input, error) = await ConfigurationBodyReader.ReadAsync(context);
        if (input is null)
        {
            return error!;
        }

        var created = await store.CreateAsync(Owner(context), input.Name, input.Tickers, context.RequestAborted);
        context.Response.Headers.Location = $"{Prefix}/{Uri.EscapeDataString(created.Id)}";
        return TypedResults.Json(created, ConfigurationResponseJsonContext.Default.UserConfiguration, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(HttpContext context, [FromServices] IConfigurationStore store)
    {
        var list = await store.ListAsync(Owner(context), context.RequestAborted);
        return TypedResults.Json(new ConfigurationList(list), ConfigurationResponseJsonContext.Default.ConfigurationList);
    }

    private static async Task<IResult> GetAsync(HttpContext context, string id, [FromServices] IConfigurationStore store)
    {
        var found = IsPlausibleId(id) ? await store.GetAsync(Owner(context), id, context.RequestAborted) : null;
        return found is null ? NotFound() : TypedResults.Json(found, ConfigurationResponseJsonContext.Default.UserConfiguration);
    }

    private static async Task<IResult> UpdateAsync(HttpContext context, string id, [FromServices] IConfigurationStore store)
    {
        var (input, error) = await ConfigurationBodyReader.ReadAsync(context);
        if (input is null)
        {
            return error!;
        }

        var updated = IsPlausibleId(id)
            ? await store.UpdateAsync(Owner(context), id, input.Name, input.Tickers, context.RequestAborted)
            : null;
        return updated is null ? NotFound() : TypedResults.Json(updated, ConfigurationResponseJsonContext.Default.UserConfiguration);
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, string id, [FromServices] IConfigurationStore store)
    {
        var deleted = IsPlausibleId(id) && await store.DeleteAsync(Owner(context), id, context.RequestAborted);
        return deleted ? TypedResults.NoContent() : NotFound();
    }

    // One body for "missing" and "someone else's": nothing in it depends on which.
    private static ProblemHttpResult NotFound() => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound,
        title: "Not Found",
        detail: "No configuration with this id exists for the caller.");

    private static bool IsPlausibleId(string id) =>
        id.Length is > 0 and <= MaxIdLength && !id.AsSpan().ContainsAnyExcept(IdCharacters);
}
