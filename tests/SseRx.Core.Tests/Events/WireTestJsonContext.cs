using System.Text.Json;
using System.Text.Json.Serialization;

namespace SseRx.Tests.Events;

/// <summary>A payload with free text, to push awkward strings through the wire format.</summary>
public sealed record Probe(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("number")] int Number);

/// <summary>
/// A payload whose JSON is written as given, whitespace included, so the data field can span several lines
/// (System.Text.Json never writes a raw line break on its own).
/// </summary>
[JsonConverter(typeof(RawJsonConverter))]
public sealed record RawJson(string Json);

public sealed class RawJsonConverter : JsonConverter<RawJson>
{
    public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return new RawJson(document.RootElement.GetRawText());
    }

    public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteRawValue(value.Json);
    }
}

[JsonSerializable(typeof(Probe))]
[JsonSerializable(typeof(RawJson))]
internal sealed partial class WireTestJsonContext : JsonSerializerContext;
