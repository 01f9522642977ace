using System.Diagnostics;
using System.Reflection;
using Gateway.StartupProfile;
using Xunit;

namespace Gateway.Tests.Build;

/// <summary>
/// The start-up profile as it ships: Gateway.Host/Hosting/StartupProfile.tsv, applied to the build output the tests'
/// gateway processes start from (the same build step as Gateway.Host's own output; Gateway.StartupProfile/README.md).
/// </summary>
public sealed class ShippedStartupProfileTests
{
    private static readonly IReadOnlyList<ProfileEntry> Profile =
        StartupProfileFile.Parse(File.ReadLines(Path.Combine(TestPaths.RepoRoot, "Gateway.Host", "Hosting", "StartupProfile.tsv")));

    [Fact]
    public void BuildOutput_EveryProfiledMethodWithABodyIsMarked_AndNineTenthsOfTheProfileStillNameMethods()
    {
        var found = 0;
        foreach (var group in Profile.GroupBy(e => e.Assembly))
        {
            var methods = MethodMarkerTests.Flags(Path.Combine(AppContext.BaseDirectory, group.Key + ".dll")).ToLookup(m => (m.Type, m.Method));
            foreach (var entry in group)
            {
                var definitions = methods[(entry.Type, entry.Method)].ToList();
                if (definitions.Count > 0) found++;
                Assert.All(definitions.Where(d => d.HasBody), d => Assert.True(d.Flags.HasFlag(MethodImplAttributes.AggressiveOptimization), $"{group.Key}: {d.Type}.{d.Method} is not marked"));
            }
        }
        // A profile recorded from older code names methods that are gone or renamed; when a tenth of it does, it is
        // time to record it again (scripts/record-startup-profile.sh).
        Assert.True(found >= Profile.Count * 9 / 10, $"{found} of {Profile.Count} profiled methods exist in the build");
    }

    [Fact]
    public void Profile_NamesNoMethodOfTheDataPlanesRequestPath()
    {
        Assert.NotEmpty(Profile);
        Assert.DoesNotContain(Profile, e => e.Type.StartsWith("Gateway.Host.DataPlane.", StringComparison.Ordinal) || e.Type.StartsWith("Gateway.Host.Mesh.", StringComparison.Ordinal));
        Assert.DoesNotContain(Profile, e => e.Assembly is "Gateway.Streams" or "Akka.Streams" || e.Assembly.StartsWith("Yarp", StringComparison.Ordinal) || e.Assembly.StartsWith("Microsoft.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Apply_AProfileNamingAnAssemblyNotInTheFolder_FailsWithThePath()
    {
        var dir = Directory.CreateTempSubdirectory("startup-profile-").FullName;
        try
        {
            var profile = Path.Combine(dir, "profile.tsv");
            File.WriteAllText(profile, "Missing.Assembly\tSome.Type\tMethod\n");
            var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in (string[])["exec", Path.Combine(AppContext.BaseDirectory, "Gateway.StartupProfile.dll"), "apply", "--profile", profile, "--dir", dir]) info.ArgumentList.Add(a);
            using var process = Process.Start(info)!;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var error = await process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);

            Assert.Equal(1, process.ExitCode);
            Assert.Contains(Path.Combine(dir, "Missing.Assembly.dll"), error);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
