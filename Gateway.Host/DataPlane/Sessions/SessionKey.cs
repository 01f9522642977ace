using System.Text;

namespace Gateway.Host.DataPlane.Sessions;

/// <summary>
/// The key that authenticates session values (--session-key-file). Every replica given the same file derives the same
/// key, so a value issued by one verifies on all. The file's content with surrounding whitespace trimmed (so a Secret
/// mounted as a file, with or without a final newline, gives the same key) must be at least 16 bytes.
/// </summary>
public static class SessionKey
{
    public const int MinimumLength = 16;

    /// <summary>The key in <paramref name="path"/>, or null with <paramref name="error"/> saying why not.</summary>
    public static byte[]? Load(string path, out string? error)
    {
        error = null;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"cannot read \"{path}\": {e.Message}";
            return null;
        }
        var key = Encoding.UTF8.GetBytes(text.Trim());
        if (key.Length < MinimumLength)
        {
            error = $"\"{path}\" holds {key.Length} bytes; a session key needs at least {MinimumLength}";
            return null;
        }
        return key;
    }
}
