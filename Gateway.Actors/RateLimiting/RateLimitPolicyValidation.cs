using Gateway.Actors.Model;

namespace Gateway.Actors.Resources;

/// <summary>
/// Admission checks of a RateLimitPolicy on the typed object (the CRD's own rules, OwnCrdRules.tsv, are applied to the
/// document by <see cref="CrdSchema"/>): the required lists, so an object built in code without a document is refused
/// the same way.
/// </summary>
internal static class RateLimitPolicyValidation
{
    public static void Validate(V1Alpha1RateLimitPolicy p, List<string> errors)
    {
        if (p.Spec?.TargetRefs is not { Count: > 0 }) errors.Add("spec.targetRefs must have at least one entry");
        if (p.Spec?.Rules is not { Count: > 0 }) errors.Add("spec.rules must have at least one entry");
    }
}
