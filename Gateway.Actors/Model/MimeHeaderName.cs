namespace Gateway.Actors.Model;

/// <summary>Header names in Go's canonical MIME form, the form the upstream echo backends report.</summary>
public static class MimeHeaderName
{
    /// <summary>textproto.CanonicalMIMEHeaderKey: "x-header-set" becomes "X-Header-Set".</summary>
    public static string Canonical(string name)
    {
        var chars = name.ToCharArray();
        var upper = true;
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = upper ? char.ToUpperInvariant(chars[i]) : char.ToLowerInvariant(chars[i]);
            upper = chars[i] == '-';
        }
        return new string(chars);
    }
}
