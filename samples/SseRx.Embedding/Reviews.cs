using System.Text.Json.Serialization;

namespace SseRx.Embedding;

/// <summary>A review as the app's API takes it.</summary>
internal sealed record ReviewInput(string? Product, int? Rating, string? Text)
{
    /// <summary>The first problem with the input, as (field, reason), or <see langword="null"/> when it is valid.</summary>
    public (string Field, string Reason)? Validate() =>
        Product is not { Length: > 0 and <= 40 } || !Product.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
            ? ("product", "Must be 1 to 40 letters, digits or dashes.")
            : Rating is not (>= 1 and <= 5) ? ("rating", "Must be a whole number from 1 to 5.")
            : Text is { Length: > 500 } ? ("text", "Must be at most 500 characters.")
            : null;
}

/// <summary>
/// A stored review. <see cref="Id"/> and <see cref="At"/> are the position the log stamped it with (its
/// <see cref="InMemoryEntryLog{TEntry}"/> keys are zero-padded sequence numbers, so they sort as numbers).
/// </summary>
internal sealed record Review(string Id, string Product, int Rating, string? Text, DateTimeOffset At)
{
    /// <summary>Where the review sits in the log, and so its event's id: its time and its id.</summary>
    [JsonIgnore]
    public SseEventId Position => SseEventId.Create(At, Id);

    /// <summary>A valid input (see <see cref="ReviewInput.Validate"/>) as the review stored at <paramref name="position"/>.</summary>
    public static Review Create(ReviewInput input, SseEventId position) =>
        new(position.Key, input.Product!, input.Rating!.Value, input.Text, position.Timestamp);
}
