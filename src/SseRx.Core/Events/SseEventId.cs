using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace SseRx;

/// <summary>
/// The id of an event on the wire, and the cursor a reconnecting client resumes from.
/// </summary>
/// <remarks>
/// <para>
/// An id is derived from the data, never from a per-process counter or a random value: a timestamp in
/// Unix milliseconds plus a key (for a new item, its item id). Its text form is
/// <c>{milliseconds:D13}-{key}</c>, for example <c>1763795400123-a1b2c3</c>, so ids sort the same way as
/// text and as values. Because ids come from the data, any process that sees the same data produces the
/// same ids, and a client can resume on another instance.
/// </para>
/// <para>
/// Keys may hold ASCII letters, digits and <c>. _ : ~ -</c>, at most <see cref="MaxKeyLength"/> characters.
/// That excludes CR, LF and NUL, so an id can never split or inject an SSE event.
/// </para>
/// <para>This is an immutable value type and is safe to share between threads.</para>
/// </remarks>
public readonly struct SseEventId : IEquatable<SseEventId>, IComparable<SseEventId>
{
    /// <summary>The longest key an id may carry, in characters.</summary>
    public const int MaxKeyLength = 128;

    /// <summary>The longest text form of an id, in characters (13 digits, a dash and the key).</summary>
    public const int MaxLength = TimestampDigits + 1 + MaxKeyLength;

    private const int TimestampDigits = 13;
    private const char StatePrefixChar = '~';
    private const string StatePrefix = "~";
    private const long MaxTimestamp = 9_999_999_999_999;

    /// <summary>
    /// The cursor of a client that has been sent nothing yet, <c>0000000000000-</c>. A new client's heartbeats carry it
    /// until the client has been sent an event, so every event has an id; a client that resumes from it is answered as
    /// a new client (the current state), not with a resync.
    /// </summary>
    public static readonly SseEventId Initial = new(0, string.Empty);

    private readonly string? _key;

    /// <summary>Creates an id from a Unix timestamp in milliseconds and a key.</summary>
    /// <param name="unixMilliseconds">Milliseconds since the Unix epoch; 0 to 9,999,999,999,999.</param>
    /// <param name="key">The key that makes the id unique at that millisecond; may be empty.</param>
    /// <exception cref="ArgumentOutOfRangeException">The timestamp is out of range.</exception>
    /// <exception cref="ArgumentException">The key is too long or holds a character outside the allowed set.</exception>
    public SseEventId(long unixMilliseconds, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfNegative(unixMilliseconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(unixMilliseconds, MaxTimestamp);
        if (!IsValidKey(key))
        {
            throw new ArgumentException(
                $"An event id key holds at most {MaxKeyLength} characters from [A-Za-z0-9._:~-].", nameof(key));
        }

        UnixMilliseconds = unixMilliseconds;
        _key = key;
    }

    /// <summary>The timestamp part, in Unix milliseconds.</summary>
    public long UnixMilliseconds { get; }

    /// <summary>The key part (for a new item, its item id). Empty for a pure time cursor.</summary>
    public string Key => _key ?? string.Empty;

    /// <summary>The timestamp part as a <see cref="DateTimeOffset"/> in UTC.</summary>
    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeMilliseconds(UnixMilliseconds);

    /// <summary>Creates an id from a timestamp (truncated to milliseconds) and a key.</summary>
    /// <param name="timestamp">The time part; its UTC instant is used, truncated to the millisecond.</param>
    /// <param name="key">The key that makes the id unique at that millisecond; see <see cref="IsValidKey"/>.</param>
    /// <exception cref="ArgumentException">The key is not valid; see <see cref="IsValidKey"/>.</exception>
    public static SseEventId Create(DateTimeOffset timestamp, string key) =>
        new(timestamp.ToUnixTimeMilliseconds(), key);

    /// <summary>
    /// A cursor that sorts before every id carrying a key at <paramref name="timestamp"/>:
    /// resuming from it replays everything from that millisecond on.
    /// </summary>
    /// <param name="timestamp">The time; its UTC instant is used, truncated to the millisecond.</param>
    public static SseEventId AtTime(DateTimeOffset timestamp) => new(timestamp.ToUnixTimeMilliseconds(), string.Empty);

    /// <summary>
    /// The cursor "every entry stamped at or before this millisecond": <c>{t}-~</c>. It sorts after every entry id of
    /// that millisecond (entry keys never start with <c>~</c>) and before every state id of it (see
    /// <see cref="ForState"/>). A feed's batches end at such a watermark.
    /// </summary>
    /// <param name="timestamp">The time; its UTC instant is used, truncated to the millisecond.</param>
    public static SseEventId Settled(DateTimeOffset timestamp) => new(timestamp.ToUnixTimeMilliseconds(), StatePrefix);

    /// <summary>
    /// The watermark a feed reads up to at <paramref name="now"/> over a store whose entries may become readable up to
    /// <paramref name="visibilityDelay"/> after their timestamp: every entry at or before it is final (see
    /// <c>docs/event-ids-and-resume.md</c>). A store that accepts writes can refuse one at or before the watermarks it
    /// has handed out, which no reader would find.
    /// </summary>
    /// <param name="now">The reader's clock.</param>
    /// <param name="visibilityDelay">The store's visibility bound; not negative.</param>
    public static SseEventId SettledAt(DateTimeOffset now, TimeSpan visibilityDelay) =>
        Settled(SseFeed<object>.WatermarkAt(now, visibilityDelay));

    /// <summary>
    /// The id of a state event (the latest value of <paramref name="stateKey"/>) derived from every entry up to
    /// <paramref name="watermark"/>: <c>{watermark}-~{stateKey}</c>, after every entry of that millisecond.
    /// </summary>
    /// <param name="watermark">The watermark the state was derived at; truncated to the millisecond.</param>
    /// <param name="stateKey">The state key, for example <c>metrics</c>; 1 to 127 characters from <c>[A-Za-z0-9._:~-]</c>.</param>
    /// <exception cref="ArgumentException">The state key is empty, too long or holds a character outside the allowed set.</exception>
    public static SseEventId ForState(DateTimeOffset watermark, string stateKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateKey);
        return new SseEventId(watermark.ToUnixTimeMilliseconds(), StatePrefix + stateKey);
    }

    /// <summary>
    /// Whether <paramref name="key"/> may be the key of an entry's id: 1 to <see cref="MaxKeyLength"/> characters from
    /// <c>[A-Za-z0-9._:~-]</c>, not starting with <c>~</c> (reserved for watermarks and state ids).
    /// </summary>
    /// <param name="key">The candidate key, for example an item id.</param>
    public static bool IsEntryKey(ReadOnlySpan<char> key) => key.Length > 0 && key[0] != StatePrefixChar && IsValidKey(key);

    /// <summary>Whether this is an entry's id (its key is not empty and does not start with <c>~</c>).</summary>
    public bool IsEntry => Key is { Length: > 0 } key && key[0] != StatePrefixChar;

    /// <summary>
    /// The state key of a state event's id (see <see cref="ForState"/>), or <see langword="null"/> for an entry's id,
    /// a watermark or a time cursor.
    /// </summary>
    public string? StateKey => IsState ? Key[1..] : null;

    /// <summary>Whether this is a state event's id (see <see cref="ForState"/>); unlike <see cref="StateKey"/>, allocates nothing.</summary>
    public bool IsState => Key is { Length: > 1 } key && key[0] == StatePrefixChar;

    /// <summary>Whether <paramref name="key"/> may be used as the key of an id.</summary>
    /// <param name="key">At most <see cref="MaxKeyLength"/> characters from <c>[A-Za-z0-9._:~-]</c>; empty is valid.</param>
    public static bool IsValidKey(ReadOnlySpan<char> key)
    {
        if (key.Length > MaxKeyLength)
        {
            return false;
        }

        foreach (var c in key)
        {
            if (!IsKeyChar(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Parses the text form of an id. Never throws: anything that is not exactly
    /// <c>{13 digits}-{valid key}</c> returns <see langword="false"/>.
    /// </summary>
    /// <param name="text">The text, for example a <c>Last-Event-ID</c> header; <see langword="null"/> is not an id.</param>
    /// <param name="id">The id, or <see langword="default"/> when the text is not one.</param>
    public static bool TryParse([NotNullWhen(true)] string? text, out SseEventId id) =>
        TryParse(text.AsSpan(), out id);

    /// <inheritdoc cref="TryParse(string?, out SseEventId)"/>
    public static bool TryParse(ReadOnlySpan<char> text, out SseEventId id)
    {
        id = default;
        if (text.Length < TimestampDigits + 1 || text.Length > MaxLength || text[TimestampDigits] != '-')
        {
            return false;
        }

        var digits = text[..TimestampDigits];
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        var key = text[(TimestampDigits + 1)..];
        if (!IsValidKey(key))
        {
            return false;
        }

        id = new SseEventId(long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture), key.ToString());
        return true;
    }

    /// <summary>Parses the text form of an id.</summary>
    /// <param name="text">The text form, <c>{milliseconds:D13}-{key}</c>.</param>
    /// <exception cref="FormatException">The text is not a valid id.</exception>
    public static SseEventId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a valid SseRx event id.");

    /// <summary>The text form, <c>{milliseconds:D13}-{key}</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{UnixMilliseconds:D13}-{Key}");

    /// <summary>Orders by timestamp, then by key (ordinal), the same order as the text form.</summary>
    public int CompareTo(SseEventId other)
    {
        var byTime = UnixMilliseconds.CompareTo(other.UnixMilliseconds);
        return byTime != 0 ? byTime : string.CompareOrdinal(Key, other.Key);
    }

    /// <inheritdoc />
    public bool Equals(SseEventId other) => UnixMilliseconds == other.UnixMilliseconds && Key == other.Key;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SseEventId other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(UnixMilliseconds, Key);

    /// <summary>Equality by value.</summary>
    public static bool operator ==(SseEventId left, SseEventId right) => left.Equals(right);

    /// <summary>Inequality by value.</summary>
    public static bool operator !=(SseEventId left, SseEventId right) => !left.Equals(right);

    /// <summary>Sort order; see <see cref="CompareTo"/>.</summary>
    public static bool operator <(SseEventId left, SseEventId right) => left.CompareTo(right) < 0;

    /// <summary>Sort order; see <see cref="CompareTo"/>.</summary>
    public static bool operator >(SseEventId left, SseEventId right) => left.CompareTo(right) > 0;

    /// <summary>Sort order; see <see cref="CompareTo"/>.</summary>
    public static bool operator <=(SseEventId left, SseEventId right) => left.CompareTo(right) <= 0;

    /// <summary>Sort order; see <see cref="CompareTo"/>.</summary>
    public static bool operator >=(SseEventId left, SseEventId right) => left.CompareTo(right) >= 0;

    private static bool IsKeyChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '~' or '-';
}
