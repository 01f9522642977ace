using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Http.Dsl;
using Akka.Management.Dsl;
using Route = System.ValueTuple<string, Akka.Http.Dsl.HttpModuleBase>;

namespace Gateway.Host.Cluster.Ui;

/// <summary>
/// The live cluster page on the management endpoint: <c>GET /ui/</c> (and <c>/ui</c>, redirected there so the page's
/// relative links resolve). An inspection route: <see cref="ManagementAccess"/> answers it exactly as it answers
/// <c>/cluster/...</c>. Read-only. Akka.Management creates this type by reflection with the ActorSystem.
/// </summary>
public sealed class ClusterPageRoutes(ExtendedActorSystem system) : IManagementRouteProvider
{
    /// <inheritdoc />
    public Route[] Routes(ManagementRouteProviderSettings settings)
    {
        var inspection = DependencyResolver.For(system).Resolver.GetService<ClusterInspection>();
        return [("/ui/", new PageHandler(inspection)), ("/ui", new RedirectHandler())];
    }

    /// <summary>Builds the page's model from the inspection values of this moment, then renders it.</summary>
    public static async Task<string> RenderAsync(ClusterInspection inspection, CancellationToken ct)
    {
        var placement = await inspection.PlacementAsync(ct).ConfigureAwait(false);
        var content = await inspection.NodeContentAsync(ct).ConfigureAwait(false);
        var model = ClusterPageModel.Build(inspection.Members(), inspection.Health(), placement, content, inspection.LiveRouteTable(), DateTimeOffset.UtcNow);
        return await ClusterPageRenderer.RenderAsync(model).ConfigureAwait(false);
    }

    private sealed class PageHandler(ClusterInspection inspection) : HttpModuleBase
    {
        public override async Task<bool> HandleAsync(IAkkaHttpContext context)
        {
            var request = context.HttpContext.Request;
            var response = context.HttpContext.Response;
            if (!string.Equals(request.Method, "GET", StringComparison.OrdinalIgnoreCase)) return false;
            string body;
            string type = "text/html; charset=utf-8";
            try
            {
                using var timeout = new CancellationTokenSource(ClusterInspection.QueryTimeout + TimeSpan.FromSeconds(2));
                body = await RenderAsync(inspection, timeout.Token).ConfigureAwait(false);
                response.StatusCode = Ceen.HttpStatusCode.OK;
                response.AddHeader("Content-Security-Policy", ClusterPageRenderer.ContentSecurityPolicy);
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or OperationCanceledException)
            {
                (response.StatusCode, body, type) = (Ceen.HttpStatusCode.GatewayTimeout, "this replica's node reporter or shard regions did not answer in time; reload to try again\n", "text/plain; charset=utf-8");
            }
            catch (Exception e)
            {
                (response.StatusCode, body, type) = (Ceen.HttpStatusCode.InternalServerError, $"{e.GetType().Name}: {e.Message}\n", "text/plain; charset=utf-8");
            }
            response.AddHeader("X-Content-Type-Options", "nosniff");
            response.AddHeader("Referrer-Policy", "no-referrer");
            response.SetNonCacheable();
            await response.WriteAllAsync(body, type).ConfigureAwait(false);
            return true;
        }
    }

    private sealed class RedirectHandler : HttpModuleBase
    {
        public override Task<bool> HandleAsync(IAkkaHttpContext context)
        {
            if (!string.Equals(context.HttpContext.Request.Method, "GET", StringComparison.OrdinalIgnoreCase)) return Task.FromResult(false);
            // Relative, so it also works behind a proxy that serves the endpoint under a prefix.
            context.HttpContext.Response.Redirect("ui/");
            return Task.FromResult(true);
        }
    }
}
