using System.Globalization;
using Microsoft.Extensions.Options;

namespace SseRx.Host.Observability;

/// <summary>Checks <see cref="ObservabilityOptions"/> at start-up, naming the setting, its value and what is allowed.</summary>
internal sealed class ObservabilityOptionsValidator : IValidateOptions<ObservabilityOptions>
{
    public ValidateOptionsResult Validate(string? name, ObservabilityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();

        if (options.Emf is null || options.Logs is null || options.Traces is null || options.Metrics is null || options.Otlp is null)
        {
            errors.Add($"{ObservabilityOptions.SectionName}: the Logs, Emf, Metrics, Traces and Otlp sections must not be null.");
            return ValidateOptionsResult.Fail(errors);
        }

        if (options.Emf.FlushInterval <= TimeSpan.Zero || options.Emf.FlushInterval > EmfSettings.MaxFlushInterval)
        {
            errors.Add(Invalid("Emf:FlushInterval", options.Emf.FlushInterval, "a positive duration of at most 01:00:00, such as 00:01:00"));
        }

        if (!EmfDocument.IsValidName(options.Emf.Namespace))
        {
            errors.Add(Invalid("Emf:Namespace", options.Emf.Namespace, "1 to 255 ASCII characters, not starting with ':'"));
        }

        if (!EmfDocument.IsValidDimensionValue(options.EffectiveServiceName))
        {
            errors.Add(Invalid("ServiceName", options.EffectiveServiceName, "1 to 1024 printable ASCII characters (it is a metric dimension)"));
        }

        if (options.Otlp.Endpoint is { Length: > 0 } endpoint && !OtlpSetup.IsHttpUri(endpoint))
        {
            errors.Add(Invalid("Otlp:Endpoint", endpoint, "an absolute http(s) URL such as http://localhost:4318"));
        }

        if (options.Otlp.Protocol is { Length: > 0 } protocol && OtlpSetup.ParseProtocol(protocol) is null)
        {
            errors.Add(Invalid("Otlp:Protocol", protocol, "http/protobuf or grpc"));
        }

        var ratio = options.Traces.RootSampleRatio;
        if (double.IsNaN(ratio) || ratio < 0 || ratio > 1)
        {
            errors.Add(Invalid("Traces:RootSampleRatio", ratio, "a number from 0 to 1"));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static string Invalid(string key, object? value, string allowed) =>
        string.Create(CultureInfo.InvariantCulture, $"{ObservabilityOptions.SectionName}:{key} is '{value}'; it must be {allowed}.");
}
