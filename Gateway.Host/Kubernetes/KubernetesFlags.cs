using System.Globalization;
using System.Text.RegularExpressions;

namespace Gateway.Host.Kubernetes;

/// <summary>Parsing of the Kubernetes command-line values (--pod-selector, --container-port-range).</summary>
public static partial class KubernetesFlags
{
    // Label keys: an optional DNS subdomain prefix and a name of at most 63 characters; values: at most 63 characters
    // of alphanumerics, '-', '_' and '.', starting and ending alphanumeric (apimachinery validation of labels).
    [GeneratedRegex(@"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex LabelKey();

    [GeneratedRegex(@"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")]
    private static partial Regex LabelValue();

    /// <summary>
    /// "k=v,k2=v2" → labels; null with <paramref name="error"/> when malformed. Empty text is no labels (that a selector
    /// needs one is <see cref="KubernetesHostOptions.Errors"/>'s rule).
    /// </summary>
    public static IReadOnlyDictionary<string, string>? ParseSelector(string text, out string error)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=');
            var (key, value) = eq < 0 ? (part, "") : (part[..eq], part[(eq + 1)..]);
            if (eq < 0 || !LabelKey().IsMatch(key) || !LabelValue().IsMatch(value))
            {
                error = $"\"{part}\" is not key=value with a valid label key and value";
                return null;
            }
            result[key] = value;
        }
        error = "";
        return result;
    }

    /// <summary>
    /// "20000-29999" → the inclusive range; null with <paramref name="error"/> when not two numbers (the range rules are
    /// <see cref="KubernetesHostOptions.Errors"/>'s).
    /// </summary>
    public static (int Start, int End)? ParsePortRange(string text, out string error)
    {
        var parts = text.Split('-');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var end))
        {
            error = "";
            return (start, end);
        }
        error = $"\"{text}\" is not FIRST-LAST";
        return null;
    }
}
