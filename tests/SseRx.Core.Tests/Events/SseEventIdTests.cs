using System.Text;

namespace SseRx.Tests.Events;

public sealed class SseEventIdTests
{
    private const string KeyChars = "abcxyzABCXYZ0189._:~-";

    [Theory]
    [InlineData(0, "", "0000000000000-")]
    [InlineData(1763795400123, "a1b2c3", "1763795400123-a1b2c3")]
    [InlineData(42, "~metrics", "0000000000042-~metrics")]
    [InlineData(9_999_999_999_999, "x-y.z_1:~", "9999999999999-x-y.z_1:~")]
    public void Formats_as_13_digit_milliseconds_a_dash_and_the_key_and_parses_back(long ms, string key, string text)
    {
        var id = new SseEventId(ms, key);

        Assert.Equal(text, id.ToString());
        Assert.True(SseEventId.TryParse(text, out var parsed));
        Assert.Equal(id, parsed);
        Assert.Equal(ms, parsed.UnixMilliseconds);
        Assert.Equal(key, parsed.Key);
        Assert.Equal(id, SseEventId.Parse(text));
        Assert.Equal(id.GetHashCode(), parsed.GetHashCode());
    }

    [Fact]
    public void Random_ids_round_trip_through_text()
    {
        var random = new Random(1234);
        for (var i = 0; i < 5_000; i++)
        {
            var id = RandomId(random);
            Assert.True(SseEventId.TryParse(id.ToString(), out var parsed));
            Assert.Equal(id, parsed);
            Assert.True(SseEventId.TryParse(id.ToString().AsSpan(), out parsed));
            Assert.Equal(id, parsed);
        }
    }

    [Fact]
    public void Value_order_is_the_same_as_ordinal_text_order()
    {
        var random = new Random(42);

        // Few distinct timestamps and short keys, so ties on time and prefix relations between keys are common.
        var ids = Enumerable.Range(0, 2_000)
            .Select(_ => new SseEventId(random.Next(3), RandomKey(random, maxLength: 4)))
            .ToList();

        var byValue = ids.Order().Select(id => id.ToString()).ToList();
        var byText = ids.Select(id => id.ToString()).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(byText, byValue);
        for (var i = 1; i < ids.Count; i++)
        {
            var (a, b) = (ids[i - 1], ids[i]);
            var text = Math.Sign(string.CompareOrdinal(a.ToString(), b.ToString()));
            Assert.Equal(text, Math.Sign(a.CompareTo(b)));
            Assert.Equal(text < 0, a < b);
            Assert.Equal(text <= 0, a <= b);
            Assert.Equal(text > 0, a > b);
            Assert.Equal(text >= 0, a >= b);
            Assert.Equal(text == 0, a == b);
            Assert.Equal(text != 0, a != b);
        }
    }

    [Fact]
    public void AtTime_sorts_before_every_keyed_id_of_that_millisecond_and_after_the_previous_one()
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_000);
        var cursor = SseEventId.AtTime(at.AddTicks(9_999));

        Assert.Equal("0000000001000-", cursor.ToString());
        Assert.True(cursor < new SseEventId(1_000, "-"));
        Assert.True(cursor < new SseEventId(1_000, "0"));
        Assert.True(cursor > new SseEventId(999, "~~~~"));
        Assert.Equal(at, cursor.Timestamp);
        Assert.Equal(new SseEventId(0, string.Empty), default);
    }

    [Fact]
    public void TryParse_never_throws_on_random_text_and_accepts_only_what_round_trips()
    {
        string[] pieces =
        [
            "\r", "\n", "\r\n", "\0", "\uD800", "\uDC00", "\uD83D\uDE00", "-", "--", "0", "1", "9", "0000000000001",
            "a", "Z", ".", "_", ":", "~", " ", "é", "\t", "data:", "\u2028", "\uFEFF",
        ];
        var random = new Random(20_240_101);
        var accepted = 0;
        for (var i = 0; i < 100_000; i++)
        {
            var builder = new StringBuilder();
            if (random.Next(3) == 0)
            {
                // A valid prefix makes it likely that the rest decides, which is where the interesting cases are.
                builder.Append(random.NextInt64(0, 10_000_000_000_000).ToString("D13", null)).Append('-');
            }

            var count = random.Next(0, 12);
            for (var p = 0; p < count; p++)
            {
                builder.Append(pieces[random.Next(pieces.Length)]);
            }

            var text = builder.ToString();
            var ok = SseEventId.TryParse(text, out var id);
            Assert.Equal(ok, SseEventId.TryParse(text.AsSpan(), out var spanId));
            Assert.Equal(id, spanId);
            if (ok)
            {
                accepted++;
                Assert.Equal(text, id.ToString());
                Assert.DoesNotContain('\r', text);
                Assert.DoesNotContain('\n', text);
                Assert.DoesNotContain('\0', text);
            }
            else
            {
                Assert.Equal(default, id);
            }
        }

        Assert.InRange(accepted, 1, 99_999);
    }

    [Fact]
    public void TryParse_rejects_CR_LF_and_NUL_anywhere()
    {
        const string valid = "1763795400123-a1b2c3";
        Assert.True(SseEventId.TryParse(valid, out _));
        foreach (var bad in new[] { "\r", "\n", "\r\n", "\0" })
        {
            for (var at = 0; at <= valid.Length; at++)
            {
                var text = valid.Insert(at, bad);
                Assert.False(SseEventId.TryParse(text, out _), $"accepted {text.ReplaceLineEndings("\\n")}");
            }
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("1763795400123")]
    [InlineData("176379540012-abc")]
    [InlineData("17637954001234-abc")]
    [InlineData("1763795400123_abc")]
    [InlineData("-763795400123-abc")]
    [InlineData("+763795400123-abc")]
    [InlineData("1763795400123-ab c")]
    [InlineData("1763795400123-ab/c")]
    [InlineData("１763795400123-abc")]
    public void Malformed_text_is_rejected(string? text)
    {
        Assert.False(SseEventId.TryParse(text, out var id));
        Assert.Equal(default, id);
        if (text is not null)
        {
            Assert.Throws<FormatException>(() => SseEventId.Parse(text));
        }
    }

    [Fact]
    public void Keys_are_limited_in_length_and_characters()
    {
        var longest = new string('k', SseEventId.MaxKeyLength);
        Assert.True(SseEventId.TryParse($"0000000000001-{longest}", out _));
        Assert.False(SseEventId.TryParse($"0000000000001-{longest}k", out _));
        Assert.Equal(SseEventId.MaxLength, new SseEventId(1, longest).ToString().Length);

        Assert.Throws<ArgumentException>("key", () => new SseEventId(1, longest + "k"));
        Assert.Throws<ArgumentException>("key", () => new SseEventId(1, "a\nb"));
        Assert.Throws<ArgumentNullException>("key", () => new SseEventId(1, null!));
        Assert.Throws<ArgumentOutOfRangeException>("unixMilliseconds", () => new SseEventId(-1, "a"));
        Assert.Throws<ArgumentOutOfRangeException>("unixMilliseconds", () => new SseEventId(10_000_000_000_000, "a"));
    }

    private static SseEventId RandomId(Random random) =>
        new(random.NextInt64(0, 10_000_000_000_000), RandomKey(random, maxLength: SseEventId.MaxKeyLength));

    private static string RandomKey(Random random, int maxLength)
    {
        var chars = new char[random.Next(0, maxLength + 1)];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = KeyChars[random.Next(KeyChars.Length)];
        }

        return new string(chars);
    }
}
