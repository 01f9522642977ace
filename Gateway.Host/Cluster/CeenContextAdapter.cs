using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Gateway.Host.Cluster;

/// <summary>
/// Presents an ASP.NET Core request as the Ceen context Akka.Management's route handlers (<c>HttpModuleBase</c>)
/// take. Why: Akka.Management 1.5.73 serves its routes with Ceen.Httpd 0.9.9, which the package source does not
/// have; 0.9.10 changed <c>HttpServer.ListenAsync</c>, so Akka.Management's own server fails with
/// MissingMethodException. We serve the same routes (every IManagementRouteProvider, cluster bootstrap's included)
/// from Kestrel instead. Only what route handlers use is implemented: method, path, query, headers, status code,
/// content type and writing a body; the rest throws <see cref="NotSupportedException"/>.
/// </summary>
internal sealed class CeenContextAdapter : Ceen.IHttpContext
{
    public CeenContextAdapter(HttpContext context)
    {
        Request = new RequestAdapter(context);
        Response = new ResponseAdapter(context);
    }

    public Ceen.IHttpRequest Request { get; }

    public Ceen.IHttpResponse Response { get; }

    public Ceen.IStorageCreator Storage => throw new NotSupportedException();

    public IDictionary<string, string> Session
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public IDictionary<string, string> LogData { get; } = new Dictionary<string, string>();

    public Ceen.ILoadedModuleInfo LoadedModules => throw new NotSupportedException();

    public Task LogMessageAsync(Ceen.LogLevel level, string message, Exception ex) => Task.CompletedTask;

    private sealed class RequestAdapter(HttpContext context) : Ceen.IHttpRequest
    {
        private readonly HttpRequest _request = context.Request;

        public string RawHttpRequestLine => $"{_request.Method} {_request.Path}{_request.QueryString} {_request.Protocol}";
        public string Method => _request.Method;
        public string Path => _request.Path.Value ?? "/";
        public string OriginalPath => Path;
        public string RawQueryString => _request.QueryString.Value ?? "";
        public IDictionary<string, string> QueryString => _request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        public IDictionary<string, string> Headers => _request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        public IDictionary<string, string> Form => throw new NotSupportedException();
        public IDictionary<string, string> Cookies => _request.Cookies.ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
        public IList<Ceen.IMultipartItem> Files => throw new NotSupportedException();
        public string HttpVersion => _request.Protocol;
        public string UserID { get; set; } = "";
        public string SessionID { get; set; } = "";
        public SslProtocols SslProtocol => SslProtocols.None;
        public EndPoint RemoteEndPoint => new IPEndPoint(context.Connection.RemoteIpAddress ?? IPAddress.None, context.Connection.RemotePort);
        public X509Certificate ClientCertificate => throw new NotSupportedException();
        public string LogConnectionID => context.Connection.Id;
        public string LogRequestID => context.TraceIdentifier;
        public Stream Body => _request.Body;
        public string ContentType => _request.ContentType ?? "";
        public int ContentLength => (int)(_request.ContentLength ?? 0);
        public string Hostname => _request.Host.Host;
        public IDictionary<string, object> RequestState { get; } = new Dictionary<string, object>();
        public IEnumerable<Ceen.IHttpModule> HandlerStack => [];
        public CancellationToken TimeoutCancellationToken => context.RequestAborted;
        public bool IsConnected => !context.RequestAborted.IsCancellationRequested;
        public DateTime RequestProcessingStarted { get; } = DateTime.Now;

        public void PushHandlerOnStack(Ceen.IHttpModule handler)
        {
        }

        public void RequireHandler(IEnumerable<Ceen.RequireHandlerAttribute> attributes)
        {
        }

        public void RequireHandler(Type handler, bool allowderived = true)
        {
        }

        public void ResetProcessingTimeout()
        {
        }

        public void ThrowIfTimeout() => context.RequestAborted.ThrowIfCancellationRequested();
    }

    private sealed class ResponseAdapter(HttpContext context) : Ceen.IHttpResponse
    {
        private readonly HttpResponse _response = context.Response;

        public string HttpVersion { get; set; } = "HTTP/1.1";
        public Ceen.HttpStatusCode StatusCode
        {
            get => (Ceen.HttpStatusCode)_response.StatusCode;
            set => _response.StatusCode = (int)value;
        }
        public string StatusMessage { get; set; } = "";
        public bool HasSentHeaders => _response.HasStarted;
        public IDictionary<string, string> Headers => throw new NotSupportedException();
        public IList<Ceen.IResponseCookie> Cookies => throw new NotSupportedException();
        public bool IsRedirectingInternally => false;
        public string ContentType
        {
            get => _response.ContentType ?? "";
            set => _response.ContentType = value;
        }
        public long ContentLength
        {
            get => _response.ContentLength ?? -1;
            set => _response.ContentLength = value;
        }
        public bool KeepAlive { get; set; } = true;

        public Ceen.IResponseCookie AddCookie(string name, string value, string path = "/", string? domain = null, DateTime? expires = null, long maxage = -1,
            bool secure = false, bool httponly = false, string? samesite = null) => throw new NotSupportedException();

        public void AddHeader(string key, string value) => _response.Headers.Append(key, value);

        public void InternalRedirect(string path) => throw new NotSupportedException();

        public Task FlushHeadersAsync() => _response.StartAsync();

        public async Task WriteAllAsync(Stream data, string? contenttype = null)
        {
            if (contenttype is not null) _response.ContentType = contenttype;
            await data.CopyToAsync(_response.Body).ConfigureAwait(false);
        }

        public Task WriteAllAsync(byte[] data, string? contenttype = null)
        {
            if (contenttype is not null) _response.ContentType = contenttype;
            _response.ContentLength = data.Length;
            return _response.Body.WriteAsync(data).AsTask();
        }

        public Task WriteAllAsync(string data, string? contenttype = null) => WriteAllAsync(data, Encoding.UTF8, contenttype);

        public Task WriteAllAsync(string data, Encoding encoding, string? contenttype = null) => WriteAllAsync(encoding.GetBytes(data), contenttype);

        public Task WriteAllJsonAsync(string data) => WriteAllAsync(data, "application/json; charset=utf-8");

        public void Redirect(string newurl) => _response.Redirect(newurl);

        public void SetNonCacheable() => _response.Headers.CacheControl = "no-store";

        public void SetExpires(TimeSpan duration, bool isPublic = true)
        {
        }

        public void SetExpires(DateTime until, bool isPublic = true)
        {
        }

        public Stream GetResponseStream() => _response.Body;
    }
}
