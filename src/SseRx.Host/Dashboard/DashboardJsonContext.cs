using System.Text.Json.Serialization;

namespace SseRx.Host.Dashboard;

/// <summary>Source-generated JSON for the values written into <c>/config.js</c>.</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
