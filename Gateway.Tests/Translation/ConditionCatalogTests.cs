using Gateway.Actors.Status;
using Xunit;

namespace Gateway.Tests.Translation;

public class ConditionCatalogTests
{
    [Fact]
    public void ToV1_StampsGenerationAndSpellsStatus()
    {
        var c = RouteConditions.NotAllowedByListeners("nope").ToV1(7);
        Assert.Equal(("Accepted", "False", "NotAllowedByListeners", "nope", 7L), (c.Type, c.Status, c.Reason, c.Message, c.ObservedGeneration));
        Assert.Equal("True", GatewayConditions.Programmed().ToV1(1).Status);
    }

    [Fact]
    public void Catalog_UsesSpecSpellings()
    {
        Assert.Equal(("Accepted", "ListenersNotValid", true), (GatewayConditions.AcceptedListenersNotValid("x").Type, GatewayConditions.AcceptedListenersNotValid("x").Reason, GatewayConditions.AcceptedListenersNotValid("x").Status));
        Assert.Equal(("ResolvedRefs", "InvalidCertificateRef"), (ListenerConditions.InvalidCertificateRef("x").Type, ListenerConditions.InvalidCertificateRef("x").Reason));
        Assert.Equal(("Conflicted", "NoConflicts", false), (ListenerConditions.NoConflicts().Type, ListenerConditions.NoConflicts().Reason, ListenerConditions.NoConflicts().Status));
        Assert.Equal(("PartiallyInvalid", "UnsupportedValue", true), (RouteConditions.PartiallyInvalid("x").Type, RouteConditions.PartiallyInvalid("x").Reason, RouteConditions.PartiallyInvalid("x").Status));
        Assert.Equal(("akka-gateway.dev/Shadowed", "ShadowedByRoute", true), (RouteConditions.Shadowed("x").Type, RouteConditions.Shadowed("x").Reason, RouteConditions.Shadowed("x").Status));
        Assert.Equal("NoValidCACertificate", ListenerConditions.NoValidCaCertificate("x").Reason);
        Assert.Equal("InvalidCACertificateKind", ListenerConditions.InvalidCaCertificateKind("x").Reason);
    }

    [Fact]
    public void SupportedFeatures_AreSortedAndContainTheCoreProfile()
    {
        Assert.Equal(SupportedFeatures.Names.Order(StringComparer.Ordinal), SupportedFeatures.Names);
        Assert.Contains("Gateway", SupportedFeatures.Names);
        Assert.Contains("HTTPRoute", SupportedFeatures.Names);
        Assert.Contains("ReferenceGrant", SupportedFeatures.Names);
        Assert.Equal(SupportedFeatures.Names.Count, SupportedFeatures.Names.Distinct().Count());
    }
}
