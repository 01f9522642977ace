using System.Security.Cryptography;
using System.Text;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.RouteTable;

namespace Gateway.Actors.Translation;

/// <summary>
/// SessionPersistence (GEP-1619) of one route rule → <see cref="SessionPersistencePolicy"/>, or why it cannot be
/// honoured. The CRD rules (type and lifetimeType enums, sessionName maxLength 128, the duration pattern, "AbsoluteTimeout
/// must be specified when cookie lifetimeType is Permanent", "cookieConfig can only be set with type Cookie") are
/// applied by <c>ObjectValidator</c> before translation and checked again here, because a rule reaching the translator
/// any other way must still get a clear error. What the CRD leaves open and we cannot honour drops the rule with
/// the reason (PartiallyInvalid, or Accepted=False with UnsupportedValue when no rule is left): a sessionName that is
/// not a valid cookie name (RFC 6265 token) or header field name (RFC 9110 token), a zero timeout, an idleTimeout
/// that is not a duration.
/// </summary>
internal static class SessionPersistenceCompiler
{
    public static SessionPersistencePolicy? Compile(V1SessionPersistence? sp, ResourceKey route, int ruleIndex, out string? error)
    {
        error = null;
        if (sp is null) return null;
        var type = sp.Type ?? "Cookie";
        SessionPersistenceType parsedType;
        switch (type)
        {
            case "Cookie": parsedType = SessionPersistenceType.Cookie; break;
            case "Header": parsedType = SessionPersistenceType.Header; break;
            default:
                error = $"sessionPersistence.type \"{type}\" is not supported (Cookie or Header)";
                return null;
        }
        if (sp.CookieConfig is not null && parsedType != SessionPersistenceType.Cookie)
        {
            error = "sessionPersistence.cookieConfig can only be set with type Cookie";
            return null;
        }
        var lifetime = sp.CookieConfig?.LifetimeType ?? "Session";
        CookieLifetimeType parsedLifetime;
        switch (lifetime)
        {
            case "Session": parsedLifetime = CookieLifetimeType.Session; break;
            case "Permanent": parsedLifetime = CookieLifetimeType.Permanent; break;
            default:
                error = $"sessionPersistence.cookieConfig.lifetimeType \"{lifetime}\" is not supported (Permanent or Session)";
                return null;
        }
        var absolute = Timeout(sp.AbsoluteTimeout, "absoluteTimeout", out error);
        if (error is not null) return null;
        var idle = Timeout(sp.IdleTimeout, "idleTimeout", out error);
        if (error is not null) return null;
        if (parsedLifetime == CookieLifetimeType.Permanent && absolute is null)
        {
            error = "sessionPersistence.absoluteTimeout must be specified when cookie lifetimeType is Permanent";
            return null;
        }
        var scope = $"{route.Kind}/{route.Namespace}/{route.Name}/rule/{ruleIndex}";
        string name;
        if (sp.SessionName is { } configured)
        {
            if (configured.Length is 0 or > 128 || !IsToken(configured))
            {
                error = $"sessionPersistence.sessionName \"{configured}\" is not a valid {(parsedType == SessionPersistenceType.Cookie ? "cookie" : "header")} name (1 to 128 token characters, RFC 6265 / RFC 9110)";
                return null;
            }
            name = configured;
        }
        else
        {
            name = DefaultName(scope);
        }
        return new SessionPersistencePolicy(name, parsedType, absolute, idle, parsedLifetime, scope);
    }

    /// <summary>
    /// The name used without sessionName: GEP-1619 "a unique cookie name should be generated". Derived from the rule's
    /// identity (never random), so every replica picks the same name for the same rule.
    /// </summary>
    public static string DefaultName(string scope) =>
        "gw-session-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(scope)))[..12];

    private static TimeSpan? Timeout(string? text, string field, out string? error)
    {
        error = null;
        if (text is null) return null;
        if (!GatewayDuration.TryParse(text, out var value))
        {
            error = $"sessionPersistence.{field} \"{text}\" is not a valid duration";
            return null;
        }
        if (value <= TimeSpan.Zero)
        {
            error = $"sessionPersistence.{field} must be greater than zero";
            return null;
        }
        return value;
    }

    /// <summary>
    /// RFC 9110 token (tchar), which is also RFC 6265's cookie-name: visible ASCII except separators. Hand-written
    /// because neither the BCL nor ASP.NET exposes a token check usable from this ASP.NET-free assembly.
    /// </summary>
    private static bool IsToken(string value)
    {
        foreach (var c in value)
        {
            if (c is < '!' or > '~') return false;
            if ("\"(),/:;<=>?@[\\]{}".Contains(c)) return false;
        }
        return true;
    }
}
