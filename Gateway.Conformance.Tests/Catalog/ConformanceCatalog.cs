namespace Gateway.Conformance.Tests.Catalog;

/// <summary>
/// The Gateway-side conformance tests of the upstream release in <see cref="TestPaths.ConformanceDir"/>: one catalog
/// file per test in its <c>catalog/</c> folder (next to cases.json), read by <see cref="CatalogLoader"/>. Moving to the
/// next Gateway API release is a diff of that folder and the upstream material beside it.
/// </summary>
public static class ConformanceCatalog
{
    private static readonly Lazy<IReadOnlyList<CatalogTest>> Tests = new(() => CatalogLoader.LoadDirectory(Folder));

    /// <summary>The catalog folder.</summary>
    public static string Folder => Path.Combine(TestPaths.ConformanceDir, "catalog");

    /// <summary>Every catalog test, in upstream's alphabetical order.</summary>
    public static IReadOnlyList<CatalogTest> All => Tests.Value;
}
