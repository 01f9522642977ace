using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Http.Dsl;
using Akka.Management.Dsl;
using Gateway.Actors.Actors.Common;
using Route = System.ValueTuple<string, Akka.Http.Dsl.HttpModuleBase>;

namespace Gateway.Host.Cluster;

/// <summary>
/// The gateway's read-only Akka.Management routes (GET only), answered by any replica:
/// <list type="bullet">
/// <item><c>/cluster/members</c>: members and their status, and this replica's version.</item>
/// <item><c>/cluster/shards</c>: shard placement per entity type (which replica hosts which shards, entity counts);
/// while a member is not serving, the last placement seen with <c>live: false</c> and the shards that are moving.</item>
/// <item><c>/cluster/objects</c>: every object with its shard and owner.</item>
/// <item><c>/cluster/objects/{Kind}/{id}</c>: one entity's live state, fetched from its owner (Kind: GatewayClass,
/// Gateway, Listener, Route; id as in the entity key, e.g. <c>/cluster/objects/Route/HTTPRoute/default/web</c>);
/// 404 for an object this replica does not know (nothing is created), 503 with <c>moving: true</c>, from where and
/// the candidates, while the entity's shard moves.</item>
/// <item><c>/routetable</c>: this replica's live routing table, YAML in the golden-file shape.</item>
/// <item><c>/status/writes</c>: status writes that changed something, per object, made by this replica.</item>
/// <item><c>/health/alive</c>, <c>/health/ready</c>: 200 or 503.</item>
/// <item><c>/debug/memory</c>: this process's memory and CPU counters (<see cref="MemoryView"/>);
/// <c>/debug/memory/gc</c> runs a full blocking, compacting collection first (for measurements: resident memory
/// after a full GC; bench/README.md); <c>/debug/memory/gc-aggressive</c> one that also returns the GC's free memory to
/// the OS (resident memory the live objects need); <c>/debug/memory/pauses</c> the recent pauses of the whole process
/// (GC pauses with their generation, type and reason, and other runtime suspensions; <see cref="Observability.Runtime.RuntimePauses"/>).</item>
/// </list>
/// Every route but the health probes is an inspection route: <see cref="ManagementAccess"/> decides who may call it.
/// Akka.Management creates this type by reflection with the ActorSystem; it finds <see cref="ClusterInspection"/> in
/// the host's services through Akka.DependencyInjection.
/// </summary>
public sealed class GatewayManagementRoutes(ExtendedActorSystem system) : IManagementRouteProvider
{
    /// <summary>JSON as the routes write it (camelCase, enums by name, indented for people).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <inheritdoc />
    public Route[] Routes(ManagementRouteProviderSettings settings)
    {
        var inspection = DependencyResolver.For(system).Resolver.GetService<ClusterInspection>();
        // Listening from the management endpoint's start, so the ring and gateway_gc_pause_seconds cover the whole run.
        var pauses = Observability.Runtime.RuntimePauses.Shared;
        return
        [
            ("/cluster/members", new Handler(async (_, _) => Ok(inspection.Members()))),
            ("/cluster/shards", new Handler(async (_, ct) => Ok(await inspection.PlacementAsync(ct)))),
            ("/cluster/objects", new Handler(async (_, ct) => Ok(await inspection.ObjectsAsync(ct)))),
            ("/cluster/objects/*", new Handler(async (path, ct) =>
            {
                var rest = Uri.UnescapeDataString(path["/cluster/objects/".Length..]);
                var slash = rest.IndexOf('/', StringComparison.Ordinal);
                if (slash <= 0 || !EntityRef.TryParse($"{rest[..slash]}:{rest[(slash + 1)..]}", out var entity))
                    return new Answer(Ceen.HttpStatusCode.BadRequest, JsonSerializer.Serialize(new { error = $"not an object path: {path} (expected /cluster/objects/{{GatewayClass|Gateway|Listener|Route}}/{{id}})" }, Json), "application/json");
                return await inspection.ObjectStateAsync(entity, ct) switch
                {
                    ObjectFound found => Ok(found.State),
                    ObjectMoving moving => new Answer(Ceen.HttpStatusCode.ServiceUnavailable, JsonSerializer.Serialize(moving.View, Json), "application/json", RetryAfterSeconds: 1),
                    _ => new Answer(Ceen.HttpStatusCode.NotFound, JsonSerializer.Serialize(new { error = $"no such object: {entity} (not in this replica's last translation)" }, Json), "application/json"),
                };
            })),
            ("/status/writes", new Handler(async (_, _) => Ok(inspection.StatusWrites()))),
            ("/routetable", new Handler(async (_, _) => new Answer(Ceen.HttpStatusCode.OK, inspection.LiveRouteTable(), "application/yaml"))),
            ("/health/alive", new Handler(async (_, _) => Ok(inspection.Health()))),
            ("/debug/memory", new Handler(async (_, _) => Ok(MemoryView.Now(fullGc: false)))),
            ("/debug/memory/gc", new Handler(async (_, _) => Ok(MemoryView.Now(fullGc: true)))),
            ("/debug/memory/gc-aggressive", new Handler(async (_, _) => Ok(MemoryView.Now(fullGc: true, aggressive: true)))),
            ("/debug/memory/pauses", new Handler(async (_, _) => Ok(pauses.View()))),
            ("/health/ready", new Handler(async (_, _) =>
            {
                var health = inspection.Health();
                return new Answer(health.Ready ? Ceen.HttpStatusCode.OK : Ceen.HttpStatusCode.ServiceUnavailable, JsonSerializer.Serialize(health, Json), "application/json");
            })),
        ];
    }

    private static Answer Ok<T>(T value) => new(Ceen.HttpStatusCode.OK, JsonSerializer.Serialize(value, Json), "application/json");

    private sealed record Answer(Ceen.HttpStatusCode Status, string Body, string ContentType, int? RetryAfterSeconds = null);

    /// <summary>One GET route: the answer, or 504 when other replicas do not answer in time, 500 on failure.</summary>
    private sealed class Handler(Func<string, CancellationToken, Task<Answer>> answer) : HttpModuleBase
    {
        public override async Task<bool> HandleAsync(IAkkaHttpContext context)
        {
            var request = context.HttpContext.Request;
            var response = context.HttpContext.Response;
            if (!string.Equals(request.Method, "GET", StringComparison.OrdinalIgnoreCase)) return false;
            Answer result;
            try
            {
                using var timeout = new CancellationTokenSource(ClusterInspection.QueryTimeout + TimeSpan.FromSeconds(2));
                result = await answer(request.Path, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or OperationCanceledException)
            {
                result = new Answer(Ceen.HttpStatusCode.GatewayTimeout, JsonSerializer.Serialize(new { error = "the owning replica did not answer in time" }, Json), "application/json");
            }
            catch (Exception e)
            {
                result = new Answer(Ceen.HttpStatusCode.InternalServerError, JsonSerializer.Serialize(new { error = $"{e.GetType().Name}: {e.Message}" }, Json), "application/json");
            }
            response.StatusCode = result.Status;
            if (result.RetryAfterSeconds is { } retryAfter) response.AddHeader("Retry-After", retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await response.WriteAllAsync(result.Body, result.ContentType + "; charset=utf-8").ConfigureAwait(false);
            return true;
        }
    }
}
