using Gateway.StartupProfile;
using Xunit;

namespace Gateway.Tests.Build;

/// <summary>The JIT's compilation summary as the profile's recording reads it (Gateway.StartupProfile/JitSummary.cs).</summary>
public sealed class JitSummaryTests
{
    // Lines of the form the runtime writes with DOTNET_JitStdOutFile and DOTNET_JitDisasmSummary=1 (.NET 10).
    private static readonly string[] Lines =
    [
        "   1: JIT compiled System.Runtime.CompilerServices.CastHelpers:StelemRef(System.Object[],long,System.Object) [Tier0, IL size=88, code size=93]",
        "   2: JIT compiled Gateway.Actors.Resources.YamlText:Serialize(System.Object):System.String [Instrumented Tier0, IL size=32, code size=180]",
        "   3: JIT compiled Gateway.Actors.Resources.YamlText:Serialize(System.Object):System.String [Tier1 with Dynamic PGO, IL size=32, code size=120]",
        "   4: JIT compiled Gateway.Actors.Actors.Common.ObjectEntity`1+<WriteAsync>d__58[System.__Canon]:MoveNext():this [Tier1 with Dynamic PGO, IL size=900, code size=2000]",
        "   5: JIT compiled System.Collections.Generic.Dictionary`2[System.__Canon,System.Collections.Generic.List`1[int]]:TryInsert(System.__Canon,System.Collections.Generic.List`1[int],ubyte):ubyte:this [Tier1-OSR @0x2a with Dynamic PGO, IL size=10, code size=20]",
        "   6: JIT compiled YamlDotNet.Core.Scanner:FetchMoreTokens():this [FullOpts, IL size=100, code size=300]",
        "   7: JIT compiled System.Char:IsWhiteSpace(char) [Instrumented Tier1 with Static PGO, IL size=22, code size=75]",
        "not a compilation line",
    ];

    [Fact]
    public void Parse_NamesTypeMethodAndTier_WithoutInstantiations()
    {
        var compilations = JitSummary.Parse(Lines).ToList();

        Assert.Equal(
        [
            new JitCompilation("System.Runtime.CompilerServices.CastHelpers", "StelemRef", "Tier0"),
            new JitCompilation("Gateway.Actors.Resources.YamlText", "Serialize", "Instrumented Tier0"),
            new JitCompilation("Gateway.Actors.Resources.YamlText", "Serialize", "Tier1 with Dynamic PGO"),
            new JitCompilation("Gateway.Actors.Actors.Common.ObjectEntity`1+<WriteAsync>d__58", "MoveNext", "Tier1 with Dynamic PGO"),
            new JitCompilation("System.Collections.Generic.Dictionary`2", "TryInsert", "Tier1-OSR @0x2a with Dynamic PGO"),
            new JitCompilation("YamlDotNet.Core.Scanner", "FetchMoreTokens", "FullOpts"),
            new JitCompilation("System.Char", "IsWhiteSpace", "Instrumented Tier1 with Static PGO"),
        ], compilations);
    }

    [Fact]
    public void ReachedTier1_OnlyForTier1AndOnStackReplacement_NotForTheInstrumentedTier1OfPrecompiledCode()
    {
        var reached = JitSummary.Parse(Lines).Where(c => c.ReachedTier1).Select(c => c.Tier).ToList();

        Assert.Equal(["Tier1 with Dynamic PGO", "Tier1 with Dynamic PGO", "Tier1-OSR @0x2a with Dynamic PGO"], reached);
    }
}
