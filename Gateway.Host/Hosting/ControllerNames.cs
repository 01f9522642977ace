using System.Text.RegularExpressions;

namespace Gateway.Host.Hosting;

/// <summary>Validation of GatewayClass controller names.</summary>
public static partial class ControllerNames
{
    // GatewayController (apis/v1/shared_types.go): a domain-prefixed path, at most 253 characters.
    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9\/\-._~%!$&'()*+,;=:]+$")]
    private static partial Regex Pattern();

    /// <summary>True when <paramref name="name"/> is a valid spec.controllerName.</summary>
    public static bool IsValid(string? name) => name is { Length: > 0 and <= 253 } && Pattern().IsMatch(name);
}
