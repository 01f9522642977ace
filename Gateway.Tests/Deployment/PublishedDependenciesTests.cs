using System.Text.Json;
using Xunit;

namespace Gateway.Tests.Deployment;

/// <summary>
/// What `dotnet publish Gateway.Host` ships is the package graph of Gateway.Host.deps.json (the build copies it next to
/// the tests): the emulators, their gRPC server hosting and DNS library, and test frameworks must not be in it. The gRPC
/// client (Grpc.Net.Client, Google.Protobuf) is the product's own: ExternalAuth calls ext_authz services with it.
/// </summary>
public class PublishedDependenciesTests
{
    private static readonly string[] Forbidden =
    [
        "Gateway.Emulators", "Gateway.Tests", "Gateway.Conformance.Tests", "ARSoft.", "Grpc.AspNetCore", "Grpc.Tools", "xunit", "Xunit.", "Microsoft.NET.Test.Sdk",
        "Microsoft.TestPlatform", "Akka.TestKit", "Akka.Streams.TestKit", "Akka.Hosting.TestKit",
    ];

    [Fact]
    public void HostDependencies_EmulatorsAndTestPackages_Absent()
    {
        using var deps = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Gateway.Host.deps.json")));
        var libraries = deps.RootElement.GetProperty("libraries").EnumerateObject().Select(l => l.Name[..l.Name.IndexOf('/', StringComparison.Ordinal)]).ToList();

        // The file is the host's own: it lists the host and its product projects.
        Assert.Contains("Gateway.Host", libraries);
        Assert.Contains("Gateway.Streams", libraries);
        Assert.DoesNotContain(libraries, l => Forbidden.Any(f => l.StartsWith(f, StringComparison.OrdinalIgnoreCase)));
    }
}
