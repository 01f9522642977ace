using Gateway.Actors.Model;
using Gateway.Actors.RouteTable;

namespace Gateway.Actors.Translation;

/// <summary>
/// HTTPExternalAuthFilter (GEP-1494, experimental) → <see cref="ExternalAuth"/>. The backendRef is resolved exactly
/// like a rule's backendRefs (<see cref="BackendResolution"/>: ReferenceGrant across namespaces, Service port,
/// endpoints, appProtocol, BackendTLSPolicy), and a ref that does not resolve sets ResolvedRefs=False on the route
/// while the filter stays in the rule with an invalid backend, so the rule fails closed instead of skipping
/// authorization. The admission rules (protocol enum, http/grpc matching the protocol, path pattern, list sizes) are
/// the CRD's, applied earlier by ObjectValidator; what is checked here is what they leave open.
/// </summary>
internal static class ExternalAuthTranslation
{
    /// <summary>The largest forwardBody.maxSize: the field is a uint16 in the Go API.</summary>
    public const int MaxBodyLimit = ushort.MaxValue;

    public static ExternalAuth? Compile(V1HTTPExternalAuthFilter f, RouteModel model, TranslationIndex index, string routeKind, out string? error)
    {
        error = null;
        ExternalAuthProtocol protocol;
        switch (f.Protocol)
        {
            case "HTTP": protocol = ExternalAuthProtocol.Http; break;
            case "GRPC": protocol = ExternalAuthProtocol.Grpc; break;
            default: error = $"ExternalAuth protocol \"{f.Protocol}\" is not supported (HTTP or GRPC)"; return null;
        }
        if (f.ForwardBody?.MaxSize is { } max && max is < 0 or > MaxBodyLimit)
        {
            error = $"ExternalAuth forwardBody.maxSize {max} is out of range (0 to {MaxBodyLimit})";
            return null;
        }
        var prefix = "";
        if (protocol == ExternalAuthProtocol.Http && !string.IsNullOrEmpty(f.Http?.Path))
        {
            prefix = SanitizePath(f.Http.Path, out error);
            if (error is not null) return null;
        }
        var (backend, problem) = BackendResolution.Resolve(f.BackendRef, 1, routeKind, model.Key.Namespace, protocol == ExternalAuthProtocol.Grpc, index, policyUses: model);
        if (problem is not null) model.RefProblems.Add(problem);
        var allowed = protocol == ExternalAuthProtocol.Http ? f.Http?.AllowedHeaders : f.Grpc?.AllowedHeaders;
        return new ExternalAuth(
            protocol,
            backend,
            prefix,
            [.. (allowed ?? []).Select(h => h.ToLowerInvariant()).Distinct()],
            [.. (protocol == ExternalAuthProtocol.Http ? f.Http?.AllowedResponseHeaders ?? [] : []).Select(h => h.ToLowerInvariant()).Distinct()],
            f.ForwardBody?.MaxSize ?? 0);
    }

    /// <summary>
    /// HTTPAuthConfig.Path: "implementations MUST sanitize this input before using it directly". The CRD pattern
    /// already excludes '?', '#' and whitespace; here a leading '/' is ensured, a trailing '/' dropped (the request
    /// path brings its own) and dot segments refused, so the prefix cannot climb out of itself on the auth service.
    /// </summary>
    internal static string SanitizePath(string path, out string? error)
    {
        error = null;
        if (path.IndexOfAny(['?', '#', ' ', '\t', '\r', '\n', '\\']) >= 0)
        {
            error = $"ExternalAuth http.path \"{path}\" may not contain '?', '#', '\\' or whitespace";
            return "";
        }
        var segments = path.Split('/');
        if (segments.Any(s => s is "." or ".." || s.Equals("%2e", StringComparison.OrdinalIgnoreCase) || s.Equals("%2e%2e", StringComparison.OrdinalIgnoreCase)))
        {
            error = $"ExternalAuth http.path \"{path}\" may not contain \".\" or \"..\" segments";
            return "";
        }
        var trimmed = path.TrimEnd('/');
        return trimmed.Length == 0 ? "" : trimmed.StartsWith('/') ? trimmed : "/" + trimmed;
    }
}
