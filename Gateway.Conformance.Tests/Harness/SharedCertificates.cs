namespace Gateway.Conformance.Tests.Harness;

/// <summary>One generated certificate set shared by the harness tests (RSA key generation is the slow part).</summary>
internal static class SharedCertificates
{
    private static readonly Lazy<ConformanceCertificates> Lazy = new(() => ConformanceCertificates.Generate());

    public static ConformanceCertificates Value => Lazy.Value;
}
