using Akka.Actor;
using Akka.Event;
using Gateway.Actors.Actors.Common;

namespace Gateway.Actors.Actors.Gateways;

/// <summary>The sharded entity of one Gateway (see <see cref="GatewayState"/> for what it holds and decides).</summary>
public sealed class GatewayEntity : ObjectEntity<GatewayState>
{
    /// <summary>The shard region's type name.</summary>
    public const string TypeName = "gateway";

    /// <summary>Creates the entity <paramref name="entityId"/> on this node.</summary>
    public GatewayEntity(string entityId, EntityServices services)
        : base(GatewayState.Create(entityId, services.SelfNode, services.SelfNodeName), services)
    {
    }

    /// <inheritdoc />
    protected override bool ReceiveOwn(object message) => message switch
    {
        ApplyGatewayReport m => Report(m.Report),
        GetGatewayState => Query(),
        ApplyListenerProgrammed m => Event(new ListenerProgrammedReported(m.Listener, m.Nodes)),
        ResyncProvisioning => Event(new ProvisioningStale()),
        _ => false,
    };

    /// <summary>How long a plan carried out may stay planned before it is carried out again.</summary>
    public static readonly TimeSpan ProvisioningResync = TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    protected override async Task<bool> ProvisionAsync()
    {
        if (Services.Provisioner is not { } provisioner || State.ProvisioningDue is not { } plan) return true;
        using var timeout = new CancellationTokenSource(Services.WriteTimeout);
        try
        {
            await provisioner.ApplyAsync(plan, timeout.Token);
            Record(new ProvisioningApplied(plan.Fingerprint));
            Timers.StartSingleTimer(ResyncTimer, ResyncProvisioning.Instance, ProvisioningResync);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.Error(e, "{0}: provisioning failed ({1}); retried with backoff", Entity, plan.Description);
            return false;
        }
    }

    /// <inheritdoc />
    protected override async Task<bool> DeprovisionAsync()
    {
        if (Services.Provisioner is not { } provisioner || Entity.StatusKey is not { } gateway) return true;
        using var timeout = new CancellationTokenSource(Services.WriteTimeout);
        try
        {
            await provisioner.RemoveAsync(gateway, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.Error(e, "{0}: removing what was provisioned failed; retried with backoff", Entity);
            return false;
        }
    }

    private const string ResyncTimer = "provisioning-resync";

    /// <summary>Props for the entity <paramref name="entityId"/>.</summary>
    public static Props PropsFor(string entityId, EntityServices services) => EntityProps.Of(() => new GatewayEntity(entityId, services));
}

/// <summary>The Gateway entity's own timer: a plan carried out <see cref="GatewayEntity.ProvisioningResync"/> ago is carried out again if still planned.</summary>
public sealed class ResyncProvisioning : INoSerializationVerificationNeeded
{
    /// <summary>The instance.</summary>
    public static readonly ResyncProvisioning Instance = new();

    private ResyncProvisioning()
    {
    }
}
