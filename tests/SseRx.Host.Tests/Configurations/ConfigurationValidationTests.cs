using System.Net;
using System.Net.Http.Headers;
using System.Text;
using static SseRx.Host.Tests.Configurations.ConfigurationApi;

namespace SseRx.Host.Tests.Configurations;

public sealed class ConfigurationValidationTests : IClassFixture<ConfigurationValidationTests.Fixture>
{
    private const int MaxBody = 16 * 1024;

    private readonly ConfigurationApi _api;

    public ConfigurationValidationTests(Fixture fixture) => _api = fixture.Api;

    public static TheoryData<string, string, string[]> BadBodies => new()
    {
        { "empty ticker list", """{"name":"Tech","tickers":[]}""", ["tickers"] },
        { "bad ticker format, named by index", """{"name":"Tech","tickers":["AAPL","MSFT","GOOG","bad!"]}""", ["tickers[3]"] },
        { "lower-case ticker", """{"name":"Tech","tickers":["aapl"]}""", ["tickers[0]"] },
        { "ticker too long", """{"name":"Tech","tickers":["ABCDEFGHIJK"]}""", ["tickers[0]"] },
        { "null ticker", """{"name":"Tech","tickers":["AAPL",null]}""", ["tickers[1]"] },
        { "duplicate ticker", """{"name":"Tech","tickers":["AAPL","MSFT","AAPL"]}""", ["tickers[2]"] },
        { "51 tickers", Body("Tech", [.. Enumerable.Range(0, 51).Select(i => $"T{i}")]), ["tickers"] },
        { "10,000 tickers", Body("Tech", [.. Enumerable.Range(0, 10_000).Select(i => $"T{i}")]), ["body", "tickers"] },
        { "tickers missing", """{"name":"Tech"}""", ["tickers"] },
        { "tickers not an array", """{"name":"Tech","tickers":"AAPL"}""", ["tickers"] },
        { "ticker not a string", """{"name":"Tech","tickers":["AAPL",7]}""", ["tickers[1]"] },
        { "name missing", """{"tickers":["AAPL"]}""", ["name"] },
        { "name null", """{"name":null,"tickers":["AAPL"]}""", ["name"] },
        { "name blank", """{"name":"   ","tickers":["AAPL"]}""", ["name"] },
        { "name of 101 characters", Body(new string('n', 101), "AAPL"), ["name"] },
        { "name with a line break", """{"name":"a\nb","tickers":["AAPL"]}""", ["name"] },
        { "name not a string", """{"name":5,"tickers":["AAPL"]}""", ["name"] },
        { "name with an unpaired surrogate", """{"name":"\ud800","tickers":["AAPL"]}""", ["name"] },
        { "name and a ticker both wrong", """{"tickers":["AAPL","x"]}""", ["name", "tickers[1]"] },
        { "unknown field", """{"name":"Tech","tickers":["AAPL"],"colour":"red"}""", ["colour"] },
        { "unknown field with a space in its name", """{"name":"Tech","tickers":["AAPL"],"my field":1}""", ["my field"] },
        { "unknown field with a very long name", "{\"name\":\"Tech\",\"tickers\":[\"AAPL\"],\"" + new string('x', 500) + "\":1}", ["body"] },
        { "field name in the wrong case", """{"Name":"Tech","tickers":["AAPL"]}""", ["Name"] },
        { "field given twice", """{"name":"Tech","name":"Other","tickers":["AAPL"]}""", ["name"] },
        { "trailing comma", """{"name":"Tech","tickers":["AAPL",]}""", ["tickers"] },
        { "unterminated object", """{"name":"Tech","tickers":["AAPL"]""", ["body"] },
        { "not JSON", "name=Tech&tickers=AAPL", ["body"] },
        { "content after the object", """{"name":"Tech","tickers":["AAPL"]} {}""", ["body"] },
        { "comment", """{"name":"Tech",/* hi */"tickers":["AAPL"]}""", ["body"] },
        { "empty body", "", ["body"] },
        { "whitespace body", "  \r\n ", ["body"] },
        { "null body", "null", ["body"] },
        { "array body", """[{"name":"Tech","tickers":["AAPL"]}]""", ["body"] },
        { "string body", "\"Tech\"", ["body"] },
        { "nesting five deep in tickers", """{"name":"Tech","tickers":[[[["AAPL"]]]]}""", ["tickers"] },
        { "nesting in an unknown field", """{"name":"Tech","tickers":["AAPL"],"x":{"a":{"b":{"c":{}}}}}""", ["x"] },
        { "nesting 8,000 deep", """{"name":"Tech","tickers":""" + new string('[', 8000) + new string(']', 8000) + "}", ["tickers"] },
        { "oversized name", Body(new string('n', MaxBody), "AAPL"), ["body", "name"] },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_bad_create_body_is_400_naming_the_field_and_stores_nothing(string why, string json, string[] fields)
    {
        var user = NewUser();
        var before = _api.Store.Count;

        using var response = await _api.SendAsync(HttpMethod.Post, Route, user, json);

        var errors = await AssertValidationErrorsAsync(response, fields);
        Assert.True(errors.Count > 0, why);
        Assert.Equal(before, _api.Store.Count);
        Assert.Empty(await _api.Store.ListAsync(user, CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_bad_replace_body_is_400_naming_the_field_and_changes_nothing(string why, string json, string[] fields)
    {
        var user = NewUser();
        var original = await _api.CreateAsync(user, "Original", "AAPL");
        var id = original.GetProperty("id").GetString()!;

        using var response = await _api.SendAsync(HttpMethod.Put, $"{Route}/{id}", user, json);

        var errors = await AssertValidationErrorsAsync(response, fields);
        Assert.True(errors.Count > 0, why);
        var stored = await _api.Store.GetAsync(user, id, CancellationToken.None);
        Assert.Equal("Original", stored!.Name);
        Assert.Equal(["AAPL"], stored.Tickers);
        Assert.Equal(original.GetProperty("updated_at").GetDateTimeOffset(), stored.UpdatedAt);
    }

    [Fact]
    public async Task The_messages_say_what_is_wrong_and_name_the_limits()
    {
        var user = NewUser();
        using var format = await _api.SendAsync(HttpMethod.Post, Route, user, """{"name":"Tech","tickers":["AAPL","MSFT","GOOG","bad!"]}""");
        using var many = await _api.SendAsync(HttpMethod.Post, Route, user, Body("Tech", [.. Enumerable.Range(0, 51).Select(i => $"T{i}")]));
        using var unknown = await _api.SendAsync(HttpMethod.Post, Route, user, """{"name":"Tech","tickers":["AAPL"],"colour":"red"}""");
        using var big = await _api.SendAsync(HttpMethod.Post, Route, user, Body(new string('n', MaxBody), "AAPL"));

        Assert.Contains("not a valid ticker", (await AssertValidationErrorsAsync(format, "tickers[3]"))["tickers[3]"][0], StringComparison.Ordinal);
        Assert.Contains("at most 50", (await AssertValidationErrorsAsync(many, "tickers"))["tickers"][0], StringComparison.Ordinal);
        Assert.Contains("not a known field", (await AssertValidationErrorsAsync(unknown, "colour"))["colour"][0], StringComparison.Ordinal);
        Assert.Contains("16384 bytes", (await AssertValidationErrorsAsync(big, "body", "name"))["body"][0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Limits_are_inclusive_fifty_tickers_and_a_hundred_character_name_are_accepted()
    {
        var user = NewUser();
        var tickers = Enumerable.Range(0, 50).Select(i => $"T{i}").ToArray();

        var created = await _api.CreateAsync(user, new string('n', 100), tickers);

        Assert.Equal(50, created.GetProperty("tickers").GetArrayLength());
    }

    [Fact]
    public async Task A_body_of_exactly_16_KiB_is_read_and_one_byte_more_is_refused()
    {
        var user = NewUser();
        var padding = MaxBody - Body("", "AAPL").Length;
        var exact = Body(new string(' ', 0), "AAPL").Replace("\"name\":\"\"", "\"name\":\"x\"" + new string(' ', padding - 1), StringComparison.Ordinal);
        Assert.Equal(MaxBody, Encoding.UTF8.GetByteCount(exact));

        using var accepted = await _api.SendAsync(HttpMethod.Post, Route, user, exact);
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);

        using var refused = await _api.SendAsync(HttpMethod.Post, Route, user, exact + " ");
        await AssertValidationErrorsAsync(refused, "body");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_oversized_body_is_refused_after_reading_at_most_a_little_more_than_16_KiB(bool declaresLength)
    {
        const long Total = 4L * 1024 * 1024;
        var counter = new BodyReadCounter();
        using var api = TrustingHeaderCountingBodyReads(counter);
        using var content = new TickersContent(Total, declaresLength);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = Request(HttpMethod.Post, Route, NewUser());
        request.Content = content;
        Assert.Equal(declaresLength ? Total : null, request.Content.Headers.ContentLength);

        using var response = await api.SendAsync(request);

        await AssertValidationErrorsAsync(response, "body", "tickers");
        Assert.True(response.Headers.ConnectionClose, "an oversized body's connection is closed rather than drained");
        // One read past the limit, in whatever block size the transport delivers.
        Assert.InRange(counter.Bytes, MaxBody + 1, MaxBody + (64 * 1024));
        Assert.Equal(0, api.Store.Count);
    }

    [Fact]
    public async Task Invalid_utf8_in_a_value_is_400_naming_the_field()
    {
        var user = NewUser();
        var bytes = Encoding.UTF8.GetBytes("""{"name":"Te?h","tickers":["AAPL"]}""");
        bytes[Array.IndexOf(bytes, (byte)'?')] = 0xFF;
        var request = Request(HttpMethod.Post, Route, user);
        request.Content = new ByteArrayContent(bytes);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await _api.SendAsync(request);

        await AssertValidationErrorsAsync(response, "name");
        Assert.Empty(await _api.Store.ListAsync(user, CancellationToken.None));
    }

    [Fact]
    public async Task A_body_that_is_not_declared_json_is_415_problem_details()
    {
        var user = NewUser();
        var request = Request(HttpMethod.Post, Route, user);
        request.Content = new StringContent(Body("Tech", "AAPL"), Encoding.UTF8, "text/plain");

        using var response = await _api.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Empty(await _api.Store.ListAsync(user, CancellationToken.None));
    }

    [Fact]
    public async Task Json_with_a_charset_or_a_json_suffix_media_type_is_accepted()
    {
        var user = NewUser();
        var request = Request(HttpMethod.Post, Route, user);
        request.Content = new StringContent(Body("Tech", "AAPL"), Encoding.UTF8, "application/vnd.sserx+json");

        using var response = await _api.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task An_anonymous_oversized_body_is_401_without_being_judged()
    {
        using var response = await _api.SendAsync(HttpMethod.Post, Route, user: null, Body(new string('n', MaxBody * 4), "AAPL"));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    /// <summary><c>{"name":"Tech","tickers":["T1","T1",...</c> of <paramref name="total"/> bytes, with or without a Content-Length.</summary>
    private sealed class TickersContent(long total, bool declaresLength) : HttpContent
    {
        private static readonly byte[] Head = Encoding.UTF8.GetBytes("""{"name":"Tech","tickers":[""");
        private static readonly byte[] Entry = Encoding.UTF8.GetBytes("\"T1\",");

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(Head);
            var chunk = new byte[64 * 1024];
            for (var i = 0; i < chunk.Length; i++)
            {
                chunk[i] = Entry[i % Entry.Length];
            }

            for (var sent = (long)Head.Length; sent < total; sent += chunk.Length)
            {
                await stream.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, total - sent)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = total;
            return declaresLength;
        }
    }

    public sealed class Fixture : IDisposable
    {
        public ConfigurationApi Api { get; } = TrustingHeaderAndJwt();

        public void Dispose() => Api.Dispose();
    }
}
