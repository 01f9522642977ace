namespace Gateway.Host.Hosting;

/// <summary>
/// One invalid setting of <see cref="GatewayHostOptions"/>: the command-line flag that sets it (or the property name
/// when no flag does) and what is wrong with its value. The command line reports it under the flag or the environment
/// variable the value came from.
/// </summary>
public sealed record OptionsError(string Setting, string Message)
{
    /// <summary>Throws one <see cref="ArgumentException"/> listing every error, when there is any.</summary>
    public static void ThrowIfAny(IReadOnlyList<OptionsError> errors)
    {
        if (errors.Count > 0) throw new ArgumentException(string.Join("; ", errors.Select(e => $"{e.Setting}: {e.Message}")));
    }
}
