namespace Gateway.Host.Sources;

/// <summary>What kind of problem a <see cref="SourceDiagnostic"/> reports.</summary>
public enum DiagnosticCategory
{
    /// <summary>A file or directory could not be read (the objects it held before stay in force).</summary>
    Read,

    /// <summary>A document is not valid YAML/JSON, has an unknown kind, or fails admission checks.</summary>
    Parse,

    /// <summary>An object with the same kind, namespace and name was already defined earlier in path order.</summary>
    Duplicate,

    /// <summary>An object refers to another object that does not exist (it is still loaded; status tells the rest).</summary>
    DanglingReference,
}

/// <summary>One problem found in the manifests: where (file, document index; -1 for the whole file) and why.</summary>
public sealed record SourceDiagnostic(string File, int DocumentIndex, DiagnosticCategory Category, string Reason)
{
    public override string ToString() => DocumentIndex < 0 ? $"{File}: {Reason}" : $"{File} (document {DocumentIndex}): {Reason}";
}
