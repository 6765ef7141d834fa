using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace SseRx.Host.Configurations;

/// <summary>
/// Reads and checks a configuration request body: size, media type, JSON syntax, nesting, shape, then the rules of
/// <see cref="ConfigurationValidator"/>. Every failure is a problem-details response naming the field; the messages
/// are written here, never taken from exceptions, so no internal type name or stack trace can reach the client.
/// </summary>
internal static class ConfigurationBodyReader
{
    /// <summary>The largest accepted body, in bytes (16 KiB). Larger bodies are refused without being read past this.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    /// <summary>The deepest accepted JSON nesting (the body itself needs 2: an object holding an array).</summary>
    public const int MaxDepth = 4;

    // Field names from the client are echoed as error keys only up to this length.
    private const int MaxEchoedFieldLength = 64;

    /// <summary>
    /// Reads the request body of <paramref name="context"/>: the accepted input, or the 400 (415 for a non-JSON media type)
    /// problem-details result to answer with. Reads at most <see cref="MaxBodyBytes"/> + 1 bytes (plus what the
    /// transport has already buffered); an oversized body's response asks for the connection to be closed.
    /// </summary>
    /// <exception cref="OperationCanceledException">The request was aborted.</exception>
    public static async Task<(ConfigurationInput? Input, IResult? Error)> ReadAsync(HttpContext context)
    {
        var request = context.Request;
        if (!request.HasJsonContentType())
        {
            return (null, TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Unsupported Media Type",
                detail: "The body must be JSON (Content-Type: application/json)."));
        }

        var declaredTooLarge = request.ContentLength > MaxBodyBytes;

        // At most one byte past the limit is asked for, whatever the body's declared or actual length; the server's
        // own body-size limit is left alone so an oversized body can still be inspected for the field at fault.
        var reader = request.BodyReader;
        ReadResult read;
        try
        {
            read = await reader.ReadAtLeastAsync(MaxBodyBytes + 1, context.RequestAborted);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // The server's own limit (Kestrel's MaxRequestBodySize) refused the declared length outright.
            return (null, TooLarge(context, fieldAtCutOff: null));
        }

        var buffer = read.Buffer;
        try
        {
            context.RequestAborted.ThrowIfCancellationRequested();
            if (declaredTooLarge || buffer.Length > MaxBodyBytes)
            {
                var prefix = buffer.Slice(0, Math.Min(buffer.Length, MaxBodyBytes));
                return (null, TooLarge(context, FieldAtCutOff(prefix.IsSingleSegment ? prefix.FirstSpan : prefix.ToArray())));
            }

            return Parse(buffer.IsSingleSegment ? buffer.FirstSpan : buffer.ToArray());
        }
        finally
        {
            reader.AdvanceTo(buffer.End);
        }
    }

    private static (ConfigurationInput? Input, IResult? Error) Parse(ReadOnlySpan<byte> json)
    {
        if (json.Trim(" \t\r\n"u8).IsEmpty)
        {
            return (null, Invalid("body", "is required: send a JSON object with \"name\" and \"tickers\"."));
        }

        if (CheckSyntaxAndShape(json) is { } shapeError)
        {
            return (null, shapeError);
        }

        ConfigurationRequest? body;
        try
        {
            body = JsonSerializer.Deserialize(json, ConfigurationJsonContext.Default.ConfigurationRequest);
        }
        catch (JsonException ex)
        {
            return (null, FromSerializerError(ex.Path));
        }

        var input = ConfigurationValidator.Validate(body!, out var errors);
        return input is null ? (null, TypedResults.ValidationProblem(errors)) : (input, null);
    }

    // Syntax, nesting, root type and repeated members: what the serializer would report only against "$", checked
    // here so the error can name the member it happened in.
    private static ValidationProblem? CheckSyntaxAndShape(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
        string? member = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartArray when reader.CurrentDepth == 0:
                        return Invalid("body", "must be a JSON object with \"name\" and \"tickers\".");
                    case JsonTokenType.StartObject or JsonTokenType.StartArray when reader.CurrentDepth >= MaxDepth:
                        return Invalid(member ?? "body", $"is nested too deeply: at most {MaxDepth} levels of JSON objects and arrays are accepted.");
                    case JsonTokenType.PropertyName when reader.CurrentDepth == 1:
                        member = reader.GetString()!;
                        if (!seen.Add(member))
                        {
                            return Invalid(EchoableField(member) ?? "body", "appears more than once.");
                        }

                        member = EchoableField(member);
                        break;
                    case JsonTokenType.String or JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null
                        when reader.CurrentDepth == 0:
                        return Invalid("body", "must be a JSON object with \"name\" and \"tickers\".");
                    case JsonTokenType.String or JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null
                        or JsonTokenType.EndArray or JsonTokenType.EndObject when reader.CurrentDepth == 1:
                        // The member's value is complete: a later syntax error belongs to the body, not to it.
                        member = null;
                        break;
                }
            }
        }
        catch (JsonException ex)
        {
            // Line and byte are 0-based in the exception; people count from 1.
            var where = string.Create(CultureInfo.InvariantCulture, $"line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}");
            return Invalid(member ?? "body", $"is not valid JSON (syntax error at {where}).");
        }
        catch (InvalidOperationException)
        {
            // A member name that cannot be decoded (invalid UTF-8, unpaired surrogate escape).
            return Invalid("body", "contains a field name that is not valid Unicode text.");
        }

        return null;
    }

    private static ValidationProblem FromSerializerError(string? path)
    {
        if (path is null or "$")
        {
            return Invalid("body", "must be a JSON object with \"name\" and \"tickers\".");
        }

        // The known fields always have short, plain names; a path that cannot be echoed is an unknown field's.
        var field = FieldFromPath(path);
        return field?.Split('[', 2)[0] switch
        {
            null => Invalid("body", "contains a field that is not known: the body has only \"name\" and \"tickers\"."),
            "name" => Invalid(field, "must be a string."),
            "tickers" when field == "tickers" => Invalid(field, "must be an array of strings."),
            "tickers" => Invalid(field, "must be a string."),
            _ => Invalid(field, "is not a known field: the body has only \"name\" and \"tickers\"."),
        };
    }

    // "$.tickers[3]" -> "tickers[3]"; "$['odd name']" -> "odd name"; unusable -> null.
    private static string? FieldFromPath(string path)
    {
        if (path.StartsWith("$.", StringComparison.Ordinal))
        {
            return EchoableField(path[2..]);
        }

        if (path.StartsWith("$['", StringComparison.Ordinal) && path.IndexOf("']", StringComparison.Ordinal) is var end and > 3)
        {
            return EchoableField(path[3..end] + path[(end + 2)..]);
        }

        return null;
    }

    private static string? EchoableField(string field) =>
        field.Length is > 0 and <= MaxEchoedFieldLength && !field.AsSpan().ContainsAnyInRange('\0', '\u001f') ? field : null;

    private static ValidationProblem TooLarge(HttpContext context, string? fieldAtCutOff)
    {
        // The rest of the body is not wanted: close the connection rather than let the server read and discard it.
        context.Response.Headers[HeaderNames.Connection] = "close";
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            ["body"] = [$"must be at most {MaxBodyBytes} bytes."],
        };
        if (fieldAtCutOff is not null)
        {
            errors[fieldAtCutOff] = fieldAtCutOff == "tickers"
                ? [$"is too large: at most {ConfigurationValidator.MaxTickers} tickers are accepted."]
                : [$"is too large: the body must be at most {MaxBodyBytes} bytes."];
        }

        return TypedResults.ValidationProblem(errors);
    }

    // Which top-level member was still being read where an oversized body was cut off, so the error can name the
    // field that made it too large (typically "tickers"); null when the cut is not inside a member's value.
    private static string? FieldAtCutOff(ReadOnlySpan<byte> prefix)
    {
        var reader = new Utf8JsonReader(prefix, isFinalBlock: false, new JsonReaderState(new JsonReaderOptions { MaxDepth = 64 }));
        string? member = null;
        var inValue = false;
        try
        {
            while (reader.Read())
            {
                if (reader.CurrentDepth != 1)
                {
                    continue;
                }

                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    member = EchoableField(reader.GetString()!);
                    inValue = true;
                }
                else if (reader.TokenType is not (JsonTokenType.StartArray or JsonTokenType.StartObject))
                {
                    inValue = false;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }

        return inValue ? member : null;
    }

    private static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] });
}
