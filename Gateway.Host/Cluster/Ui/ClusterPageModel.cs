using System.Collections.Immutable;
using Gateway.Actors.Actors.Common;
using Gateway.Actors.Model;
using Gateway.Actors.Resources;
using Gateway.Actors.Translation;
using k8s.Models;

namespace Gateway.Host.Cluster.Ui;

/// <summary>
/// Everything the cluster page shows, taken from the values the inspection routes serialize as JSON
/// (<see cref="ClusterInspection"/>: members, health, placement, objects with their owners, the live route table), plus
/// each object's conditions from this replica's node content (the content <c>/cluster/objects/{Kind}/{id}</c> answers
/// <c>exists</c> from). Pure: built by <see cref="Build"/>, rendered by <see cref="ClusterPageRenderer"/>.
/// </summary>
/// <param name="Members">As <c>/cluster/members</c> answers.</param>
/// <param name="Health">As <c>/health/ready</c> answers.</param>
/// <param name="Placement">As <c>/cluster/shards</c> answers.</param>
/// <param name="Objects">As <c>/cluster/objects</c> answers, each with its conditions and related objects.</param>
/// <param name="Revision">The revision of this replica's node content the objects come from.</param>
/// <param name="RouteTable">As <c>/routetable</c> answers (YAML).</param>
/// <param name="GeneratedAt">When the page was built (UTC).</param>
public sealed record ClusterPageModel(
    MembersView Members,
    HealthView Health,
    PlacementView Placement,
    ImmutableArray<PageObject> Objects,
    long Revision,
    string RouteTable,
    DateTimeOffset GeneratedAt)
{
    /// <summary>The page's model from the inspection values and this node's content.</summary>
    public static ClusterPageModel Build(MembersView members, HealthView health, PlacementView placement, NodeContent content, string routeTable, DateTimeOffset now)
    {
        var objects = ClusterInspection.ObjectsOf(placement, content).Select(o =>
        {
            var item = content.Objects[new EntityRef(o.Kind, o.Id)];
            return new PageObject(o, OwnerLabel(o.Owner, members), item.Programmed, item.Addresses, [.. item.Attachments], ConditionsOf(o.Kind, o.Id, item, content),
                InspectionPath(o.Kind, o.Id));
        });
        return new ClusterPageModel(members, health, placement, [.. objects], content.Revision, routeTable, now);
    }

    /// <summary>
    /// The path of an object's inspection JSON, relative to <c>/ui/</c> (so the page also works behind a proxy that
    /// serves the management endpoint under a prefix). Each id segment is escaped; the route unescapes it.
    /// </summary>
    public static string InspectionPath(EntityKind kind, string id) =>
        $"../cluster/objects/{kind}/{string.Join('/', id.Split('/').Select(Uri.EscapeDataString))}";

    /// <summary>
    /// The inspection path of a related object as the node content names it: an entity ("Listener:ns/gateway/name") or
    /// an object with a status ("HTTPRoute/ns/name", "Gateway/ns/name"); null for anything else.
    /// </summary>
    public static string? RelatedPath(string related)
    {
        if (EntityRef.TryParse(related, out var entity)) return InspectionPath(entity.Kind, entity.Id);
        return ResourceKey.TryParse(related, out var key) && key.Kind != "Listener" && EntityRef.ForStatus(key) is var e
            ? InspectionPath(e.Kind, e.Id)
            : null;
    }

    /// <summary>How the page names a replica: its node name when it is this replica, else its address.</summary>
    public static string OwnerLabel(string? owner, MembersView members)
    {
        if (owner is null) return "not placed yet";
        var self = members.Members.FirstOrDefault(m => m.Self);
        return self is not null && self.Address == owner ? $"{members.SelfName} (this replica)" : owner;
    }

    /// <summary>
    /// The conditions of one object as this replica computed them: a GatewayClass's or Gateway's own, a listener's from
    /// its Gateway's status, a route's (ListenerSet's, policy's) per parent (ancestor) this controller owns.
    /// </summary>
    public static ImmutableArray<ConditionGroup> ConditionsOf(EntityKind kind, string id, ObjectContent item, NodeContent content) => item.Status switch
    {
        DesiredGatewayClassStatus s => [Group("", s.Status.Conditions)],
        DesiredGatewayStatus s => [Group("", s.Status.Conditions)],
        DesiredListenerSetStatus s => [Group("", s.Status.Conditions), .. (s.Status.Listeners ?? []).Select(l => Group("listener " + l.Name, l.Conditions))],
        DesiredRouteStatus s => [.. (s.Status.Parents ?? []).Select(p => Group("parent " + Reference(p.ParentRef), p.Conditions))],
        DesiredPolicyStatus s => [.. (s.Status.Ancestors ?? []).Select(a => Group("ancestor " + Reference(a.AncestorRef), a.Conditions))],
        null when kind == EntityKind.Listener => ListenerConditions(id, content),
        _ => [],
    };

    private static ImmutableArray<ConditionGroup> ListenerConditions(string id, NodeContent content)
    {
        // A listener's id is gatewayNamespace/gateway/listener; none of the three may hold a '/'.
        if (id.Split('/') is not [var ns, var gateway, var name]) return [];
        if (content.Objects.GetValueOrDefault(new EntityRef(EntityKind.Gateway, $"{ns}/{gateway}"))?.Status is not DesiredGatewayStatus g) return [];
        return [.. (g.Status.Listeners ?? []).Where(l => l.Name == name).Select(l => Group("", l.Conditions))];
    }

    private static ConditionGroup Group(string scope, IEnumerable<V1Condition>? conditions) =>
        new(scope, [.. (conditions ?? []).Select(c => new PageCondition(c.Type ?? "", c.Status ?? "", c.Reason ?? "", c.Message ?? ""))]);

    private static string Reference(V1GatewayParentReference r) =>
        $"{(string.IsNullOrEmpty(r.Kind) ? "Gateway" : r.Kind)} {(string.IsNullOrEmpty(r.Namespace) ? "" : r.Namespace + "/")}{r.Name}" +
        (string.IsNullOrEmpty(r.SectionName) ? "" : $" section {r.SectionName}") +
        (r.Port is { } port ? $" port {port.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "");
}

/// <summary>One object on the page.</summary>
/// <param name="Object">The object, its shard and owner, as <c>/cluster/objects</c> lists it.</param>
/// <param name="OwnerLabel">The owning replica as the page names it.</param>
/// <param name="Programmed">True when this replica's data plane serves the object.</param>
/// <param name="Addresses">Gateways: the addresses this replica serves it on.</param>
/// <param name="Attachments">Related objects (a Gateway's listeners, a listener's routes, a route's parents).</param>
/// <param name="Conditions">Its conditions, grouped by scope (a route's parent, a ListenerSet's listener).</param>
/// <param name="InspectionPath">The path of its inspection JSON, relative to the page.</param>
public sealed record PageObject(
    ObjectOwnerView Object,
    string OwnerLabel,
    bool Programmed,
    ImmutableArray<string> Addresses,
    ImmutableArray<string> Attachments,
    ImmutableArray<ConditionGroup> Conditions,
    string InspectionPath);

/// <summary>Conditions of one scope of an object; <paramref name="Scope"/> is empty for the object's own.</summary>
public sealed record ConditionGroup(string Scope, ImmutableArray<PageCondition> Conditions);

/// <summary>One condition as the page shows it.</summary>
public sealed record PageCondition(string Type, string Status, string Reason, string Message);
