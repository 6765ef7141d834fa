using System.Net;
using System.Text.Json;
using static SseRx.Host.Tests.Configurations.ConfigurationApi;

namespace SseRx.Host.Tests.Configurations;

public sealed class ConfigurationCrudTests : IClassFixture<ConfigurationCrudTests.Fixture>
{
    private readonly ConfigurationApi _api;

    public ConfigurationCrudTests(Fixture fixture) => _api = fixture.Api;

    [Fact]
    public async Task Create_read_list_replace_and_delete_round_trip()
    {
        var user = NewUser();

        using var created = await _api.SendAsync(HttpMethod.Post, Route, user, Body("Tech", "AAPL", "MSFT"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var config = await ReadJsonAsync(created);
        var id = config.GetProperty("id").GetString()!;
        Assert.Equal($"{Route}/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal(user, config.GetProperty("owner_id").GetString());
        Assert.Equal("Tech", config.GetProperty("name").GetString());
        Assert.Equal(["AAPL", "MSFT"], Tickers(config));

        using var read = await _api.SendAsync(HttpMethod.Get, $"{Route}/{id}", user);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(config.GetRawText(), (await ReadJsonAsync(read)).GetRawText());

        using var replaced = await _api.SendAsync(HttpMethod.Put, $"{Route}/{id}", user, Body("Banks", "JPM"));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var updated = await ReadJsonAsync(replaced);
        Assert.Equal(id, updated.GetProperty("id").GetString());
        Assert.Equal("Banks", updated.GetProperty("name").GetString());
        Assert.Equal(["JPM"], Tickers(updated));
        Assert.Equal(config.GetProperty("created_at").GetString(), updated.GetProperty("created_at").GetString());

        using var listed = await _api.SendAsync(HttpMethod.Get, Route, user);
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        var only = Assert.Single((await ReadJsonAsync(listed)).GetProperty("configurations").EnumerateArray());
        Assert.Equal(updated.GetRawText(), only.GetRawText());

        using var deleted = await _api.SendAsync(HttpMethod.Delete, $"{Route}/{id}", user);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(await deleted.Content.ReadAsByteArrayAsync());

        using var gone = await _api.SendAsync(HttpMethod.Get, $"{Route}/{id}", user);
        await AssertProblemAsync(gone, HttpStatusCode.NotFound);
        using var deletedTwice = await _api.SendAsync(HttpMethod.Delete, $"{Route}/{id}", user);
        await AssertProblemAsync(deletedTwice, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task List_holds_only_the_callers_configurations_oldest_first()
    {
        var alice = NewUser();
        var bob = NewUser();
        var first = await _api.CreateAsync(alice, "one", "AAPL");
        await _api.CreateAsync(bob, "bob's", "TSLA");
        var second = await _api.CreateAsync(alice, "two", "MSFT");

        using var response = await _api.SendAsync(HttpMethod.Get, Route, alice);

        var ids = (await ReadJsonAsync(response)).GetProperty("configurations").EnumerateArray().Select(c => c.GetProperty("id").GetString());
        Assert.Equal([first.GetProperty("id").GetString(), second.GetProperty("id").GetString()], ids);

        using var nobody = await _api.SendAsync(HttpMethod.Get, Route, NewUser());
        Assert.Empty((await ReadJsonAsync(nobody)).GetProperty("configurations").EnumerateArray());
    }

    [Fact]
    public async Task Another_users_configuration_is_404_exactly_like_a_missing_id_and_is_left_untouched()
    {
        var alice = NewUser();
        var bob = NewUser();
        var config = await _api.CreateAsync(alice, "Tech", "AAPL");
        var id = config.GetProperty("id").GetString()!;
        var missing = "AAAAAAAAAAAAAAAAAAAAAA";

        foreach (var (method, json) in new[] { (HttpMethod.Get, (string?)null), (HttpMethod.Put, Body("Hijacked", "TSLA")), (HttpMethod.Delete, null) })
        {
            using var foreign = await _api.SendAsync(method, $"{Route}/{id}", bob, json);
            using var absent = await _api.SendAsync(method, $"{Route}/{missing}", bob, json);
            var foreignBody = await AssertProblemAsync(foreign, HttpStatusCode.NotFound);
            var absentBody = await AssertProblemAsync(absent, HttpStatusCode.NotFound);
            Assert.Equal(WithoutTraceId(absentBody), WithoutTraceId(foreignBody));
            Assert.Equal(absent.Content.Headers.ContentType, foreign.Content.Headers.ContentType);
            Assert.DoesNotContain(id, foreignBody.GetRawText(), StringComparison.Ordinal);
        }

        using var stillThere = await _api.SendAsync(HttpMethod.Get, $"{Route}/{id}", alice);
        Assert.Equal(config.GetRawText(), (await ReadJsonAsync(stillThere)).GetRawText());
    }

    [Fact]
    public async Task Ids_that_no_store_could_have_issued_are_404_too()
    {
        var user = NewUser();
        foreach (var id in new[] { new string('A', 129), "a%2Fb", "id%20with%20space", "%E2%9C%93" })
        {
            using var response = await _api.SendAsync(HttpMethod.Get, $"{Route}/{id}", user);
            await AssertProblemAsync(response, HttpStatusCode.NotFound);
        }
    }

    [Theory]
    [InlineData("GET", Route)]
    [InlineData("POST", Route)]
    [InlineData("GET", Route + "/some-id")]
    [InlineData("PUT", Route + "/some-id")]
    [InlineData("DELETE", Route + "/some-id")]
    public async Task Every_route_is_401_problem_details_without_an_identity_and_nothing_is_stored(string method, string path)
    {
        var before = _api.Store.Count;

        using var response = await _api.SendAsync(new HttpMethod(method), path, user: null, Body("Tech", "AAPL"));

        var body = await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Unauthorized", body.GetProperty("title").GetString());
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.Select(h => h.Scheme));
        Assert.Equal(before, _api.Store.Count);
    }

    [Fact]
    public async Task A_store_failure_is_a_bare_500_problem_without_internals()
    {
        using var api = ConfigurationApi.WithThrowingStore();

        using var response = await api.SendAsync(HttpMethod.Get, Route, NewUser());

        var body = await AssertProblemAsync(response, HttpStatusCode.InternalServerError);
        Assert.DoesNotContain("store exploded", body.GetRawText(), StringComparison.Ordinal);
    }

    private static string[] Tickers(JsonElement config) =>
        [.. config.GetProperty("tickers").EnumerateArray().Select(t => t.GetString()!)];

    private static string WithoutTraceId(JsonElement problem) =>
        JsonSerializer.Serialize(problem.EnumerateObject().Where(p => p.Name != "traceId").ToDictionary(p => p.Name, p => p.Value));

    public sealed class Fixture : IDisposable
    {
        public ConfigurationApi Api { get; } = TrustingHeaderAndJwt();

        public void Dispose() => Api.Dispose();
    }
}
