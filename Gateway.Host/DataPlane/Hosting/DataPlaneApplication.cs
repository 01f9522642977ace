using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Gateway.Host.Observability.Metrics;

namespace Gateway.Host.DataPlane.Hosting;

/// <summary>
/// The Kestrel application of every data-plane listener (a Gateway socket's <see cref="SocketHost"/>, the mesh
/// proxy): reuses the connection's HttpContext (and its request measurement) between requests like ASP.NET Core
/// hosting does (IHostContextContainer), and answers a request whose handling throws before it returns its task.
/// What a request is served with is the subclass's: <see cref="Serve"/>.
/// </summary>
internal abstract class DataPlaneApplication : IHttpApplication<DataPlaneApplication.Context>
{
    /// <summary>Per connection: its HttpContext and the measurement of its current request.</summary>
    public sealed class Context(DefaultHttpContext http)
    {
        public DefaultHttpContext Http { get; } = http;

        public RequestMeasurement Measurement { get; } = new();
    }

    public Context CreateContext(IFeatureCollection contextFeatures)
    {
        if (contextFeatures is IHostContextContainer<Context> container)
        {
            if (container.HostContext is { } reused)
            {
                reused.Http.Initialize(contextFeatures);
                return reused;
            }
            var created = new Context(new DefaultHttpContext(contextFeatures));
            container.HostContext = created;
            return created;
        }
        return new Context(new DefaultHttpContext(contextFeatures));
    }

    public void DisposeContext(Context context, Exception? exception)
    {
        RawConnectionHeader.Clear();
        // The response has ended here (ASP.NET Core hosting measures its request duration here too).
        context.Measurement.End(context.Http);
        context.Http.Uninitialize();
    }

    /// <summary>
    /// Not an async method, so a request costs no state machine here: an exception thrown before <see cref="Serve"/>
    /// returns its task is answered below; a task that faults later is answered by Kestrel itself, the same way
    /// (500 when the response has not started, else the connection is aborted; logged by Kestrel). The forwarder
    /// turns backend and transform failures into status codes and does not fault.
    /// </summary>
    public Task ProcessRequestAsync(Context connection)
    {
        try
        {
            return Serve(connection);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailure(e);
            var context = connection.Http;
            if (!context.Response.HasStarted)
            {
                context.Response.Clear();
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            }
            else
            {
                context.Abort();
            }
            return Task.CompletedTask;
        }
    }

    /// <summary>Serves one request (starting its measurement with the table it is served with).</summary>
    protected abstract Task Serve(Context connection);

    /// <summary>Logs a request whose handling threw.</summary>
    protected abstract void LogFailure(Exception e);
}
