using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.Host.DataPlane.Tls;

/// <summary>
/// Names a backend certificate presents, for BackendTLSPolicy validation.subjectAltNames (GEP-1897): DNS names go
/// through X509Certificate2.MatchesHostname (wildcards per RFC 6125); URI names are read from the SubjectAltName
/// extension here because .NET's X509SubjectAlternativeNameExtension exposes DNS names and IP addresses only.
/// </summary>
public static class CertificateNames
{
    private const string SubjectAltNameOid = "2.5.29.17";

    // GeneralName ::= CHOICE { ... uniformResourceIdentifier [6] IA5String ... } (RFC 5280 §4.2.1.6).
    private static readonly Asn1Tag UriTag = new(TagClass.ContextSpecific, 6);

    /// <summary>Whether <paramref name="certificate"/> carries <paramref name="name"/>: a URI SAN when it contains ':', else a DNS name.</summary>
    public static bool Matches(X509Certificate2 certificate, string name) =>
        name.Contains(':', StringComparison.Ordinal)
            ? UrisOf(certificate).Contains(name, StringComparer.Ordinal)
            : certificate.MatchesHostname(name);

    /// <summary>The URI subject alternative names of <paramref name="certificate"/> (empty when none or unreadable).</summary>
    public static IReadOnlyList<string> UrisOf(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions.Cast<X509Extension>().FirstOrDefault(e => e.Oid?.Value == SubjectAltNameOid);
        if (extension is null) return [];
        var uris = new List<string>();
        try
        {
            var sequence = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
            while (sequence.HasData)
            {
                var tag = sequence.PeekTag();
                if (tag.HasSameClassAndValue(UriTag)) uris.Add(sequence.ReadCharacterString(UniversalTagNumber.IA5String, UriTag));
                else sequence.ReadEncodedValue();
            }
        }
        catch (AsnContentException)
        {
            // A malformed extension names nothing; validation then fails closed.
            return [];
        }
        return uris;
    }
}
