using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Host.Cluster.Ui;

/// <summary>
/// Renders <see cref="ClusterPage"/> to HTML on the server with Razor's <see cref="HtmlRenderer"/> (static rendering:
/// no circuit, no WebSocket, no framework script), so every value is HTML-encoded by Razor. The page loads nothing
/// from elsewhere: its style sheet and its refresh script are inline, and <see cref="ContentSecurityPolicy"/> allows
/// exactly those two (by hash) and fetches of the page itself, nothing else; a value that escaped encoding still
/// could not run a script.
/// </summary>
public static class ClusterPageRenderer
{
    private const string Css = """
        :root { color-scheme: light dark; --ok: #1a7f37; --bad: #cf222e; --muted: #6e7781; --line: #d0d7de; }
        body { font: 14px/1.4 system-ui, sans-serif; margin: 0 1.5rem 2rem; }
        header { display: flex; align-items: baseline; gap: 1.5rem; flex-wrap: wrap; border-bottom: 1px solid var(--line); }
        h1 { font-size: 1.4rem; margin: .8rem 0; }
        h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; }
        h3 { font-size: 1rem; }
        dl { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; margin: 1rem 0 .4rem; }
        dt { color: var(--muted); }
        dd { margin: 0; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; vertical-align: top; padding: .3rem .6rem; border-bottom: 1px solid var(--line); }
        th { font-weight: 600; white-space: nowrap; }
        td { overflow-wrap: anywhere; }
        td.id, td.served, td.owner { white-space: nowrap; }
        ul.conditions { list-style: none; margin: 0 0 .3rem; padding: 0; }
        .scope { font-weight: 600; margin-top: .2rem; }
        .reason { font-weight: 600; }
        .message { color: var(--muted); }
        .ok { color: var(--ok); font-weight: 600; }
        .bad { color: var(--bad); font-weight: 600; }
        .muted { color: var(--muted); }
        .tag { margin-left: .5rem; padding: 0 .4rem; border: 1px solid var(--line); border-radius: .6rem; font-size: .85em; }
        pre { padding: .8rem; border: 1px solid var(--line); overflow: auto; max-height: 40rem; }
        a { color: #0969da; }
        """;

    // Refreshes the page in place: fetches it again and swaps in the new <main>. The new content comes from a
    // DOMParser document (scripts in it never run) and messages are set as text, never as markup. It marks the page
    // (data-auto-refresh="on") once it runs, which shows the policy let it run, and counts the swaps it made
    // (data-refreshes).
    private const string Script = """
        (() => {
          document.documentElement.dataset.autoRefresh = 'on';
          const box = document.getElementById('auto-refresh');
          const note = document.getElementById('refresh-error');
          async function refresh() {
            if (!box.checked || document.visibilityState !== 'visible') return;
            try {
              const response = await fetch(location.href, { cache: 'no-store', credentials: 'same-origin' });
              if (!response.ok) { note.textContent = 'refresh failed: HTTP ' + response.status; return; }
              const fresh = new DOMParser().parseFromString(await response.text(), 'text/html').getElementById('page');
              if (!fresh) { note.textContent = 'refresh failed: not the cluster page'; return; }
              document.getElementById('page').replaceWith(document.adoptNode(fresh));
              document.documentElement.dataset.refreshes = String(Number(document.documentElement.dataset.refreshes || 0) + 1);
              note.textContent = '';
            } catch (e) {
              note.textContent = 'refresh failed: ' + e.message;
            }
          }
          setInterval(refresh, 5000);
        })();
        """;

    /// <summary>
    /// Above this many objects the page starts with its refresh off (the box unticked): every refresh renders and
    /// transfers the whole page again, a few hundred bytes per object.
    /// </summary>
    public const int AutoRefreshObjectLimit = 1000;

    /// <summary>The inline style sheet, as the page embeds it.</summary>
    public static readonly string StyleElement = "<style>" + Css + "</style>";

    /// <summary>The inline refresh script, as the page embeds it.</summary>
    public static readonly string ScriptElement = "<script>" + Script + "</script>";

    /// <summary>
    /// The page's Content-Security-Policy: only the inline style sheet and script above (by SHA-256), fetches to the
    /// page's own origin (the refresh), no frames, forms, plugins or base URL changes.
    /// </summary>
    public static readonly string ContentSecurityPolicy =
        $"default-src 'none'; style-src '{Hash(Css)}'; script-src '{Hash(Script)}'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly ServiceProvider Services = new ServiceCollection().BuildServiceProvider();

    /// <summary>Renders the page for <paramref name="model"/>.</summary>
    public static async Task<string> RenderAsync(ClusterPageModel model)
    {
        await using var renderer = new HtmlRenderer(Services, NullLoggerFactory.Instance);
        return await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var root = await renderer.RenderComponentAsync<ClusterPage>(ParameterView.FromDictionary(new Dictionary<string, object?> { [nameof(ClusterPage.Model)] = model }))
                .ConfigureAwait(false);
            return root.ToHtmlString();
        }).ConfigureAwait(false);
    }

    private static string Hash(string text) => "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
