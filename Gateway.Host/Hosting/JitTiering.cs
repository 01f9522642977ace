using System.Globalization;

namespace Gateway.Host.Hosting;

/// <summary>
/// The JIT's tiering in force, which the warm-ups have to reach past: a method runs its quickly compiled code until it
/// has been called <see cref="CallCountThreshold"/> times, then (dynamic PGO) instrumented code for about as many calls
/// more, and only then its optimized code. The shipped threshold is set in Gateway.Host.csproj (it says why).
/// </summary>
public static class JitTiering
{
    /// <summary>The runtime's own call count when nothing sets one.</summary>
    public const int RuntimeDefaultCallCountThreshold = 30;

    /// <summary>The runtimeconfig.json property that sets the call count.</summary>
    public const string CallCountThresholdProperty = "System.Runtime.TieredCompilation.CallCountThreshold";

    /// <summary>The call count in force for this process.</summary>
    public static int CallCountThreshold { get; } =
        Threshold(Environment.GetEnvironmentVariable("DOTNET_TC_CallCountThreshold"), AppContext.GetData(CallCountThresholdProperty));

    /// <summary>
    /// Passes a warm-up runs so that what it runs once per pass reaches optimized code: twice the call count (quick,
    /// then instrumented), and two more for the promotions themselves.
    /// </summary>
    public static int WarmUpPasses => PassesFor(CallCountThreshold);

    /// <summary>The warm-up passes for a call count of <paramref name="threshold"/> (see <see cref="WarmUpPasses"/>).</summary>
    public static int PassesFor(int threshold) => 2 * threshold + 2;

    /// <summary>
    /// The call count from the environment variable (as the runtime reads every DOTNET_ number: hexadecimal, with or
    /// without 0x), else from the runtimeconfig.json property (a decimal number), else the runtime's default. A value the
    /// runtime would not take (unreadable, 0 or above 65535) counts as unset.
    /// </summary>
    public static int Threshold(string? environment, object? runtimeConfig)
    {
        if (environment is { Length: > 0 } text)
        {
            var hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
            if (int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var fromEnvironment) && Valid(fromEnvironment)) return fromEnvironment;
        }
        var configured = runtimeConfig switch
        {
            int n => n,
            long n when n is >= int.MinValue and <= int.MaxValue => (int)n,
            string s when int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
            _ => 0,
        };
        return Valid(configured) ? configured : RuntimeDefaultCallCountThreshold;
    }

    private static bool Valid(int threshold) => threshold is > 0 and <= ushort.MaxValue;
}
