using k8s.Models;

namespace Gateway.Actors.Translation;

/// <summary>
/// Kubernetes label selector evaluation (matchLabels AND matchExpressions with In, NotIn, Exists, DoesNotExist).
/// Hand-written because KubernetesClient only carries the selector types, not their evaluation.
/// An unknown operator matches nothing, as the API server would have rejected it.
/// </summary>
public static class LabelSelectors
{
    /// <summary>Does <paramref name="selector"/> select an object with <paramref name="labels"/>? A null selector selects nothing.</summary>
    public static bool Matches(V1LabelSelector? selector, IReadOnlyDictionary<string, string> labels)
    {
        if (selector is null) return false;
        foreach (var (key, value) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            if (!labels.TryGetValue(key, out var v) || v != value) return false;
        }
        foreach (var req in selector.MatchExpressions ?? [])
        {
            var has = labels.TryGetValue(req.Key, out var v);
            var values = req.Values ?? [];
            var ok = req.OperatorProperty switch
            {
                "In" => has && values.Contains(v!),
                "NotIn" => !has || !values.Contains(v!),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok) return false;
        }
        return true;
    }
}
