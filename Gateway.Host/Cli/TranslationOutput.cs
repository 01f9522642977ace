using System.Text;
using Gateway.Actors.RouteTable;
using Gateway.Actors.Status;
using Gateway.Actors.Translation;

namespace Gateway.Host.Cli;

/// <summary>
/// The YAML the translate command prints: the desired statuses, the route tables and the mesh table, rendered by the same canonical
/// renderers the golden tests use (so a user's output can be pasted into a golden case).
/// </summary>
public static class TranslationOutput
{
    /// <summary>Renders <paramref name="result"/>.</summary>
    public static string Render(TranslationResult result)
    {
        var text = new StringBuilder();
        text.Append("revision: ").Append(result.Revision).Append('\n');
        AppendSection(text, "statuses", result.Statuses.Count == 0 ? null : StatusYaml.Render(result.Statuses));
        AppendSection(text, "routeTables", result.Gateways.IsEmpty ? null : RouteTableYaml.Render(result.Gateways));
        // The mesh table only when it says something beyond passthrough (a mesh route or a ClusterIP problem), so the
        // output of a Gateway-only configuration does not list every Service.
        var mesh = result.Mesh;
        if (!mesh.Problems.IsEmpty || mesh.Services.Any(s => s.Ports.Any(p => p.ProducerRoutes is not null || !p.ConsumerRoutes.IsEmpty)))
            AppendSection(text, "mesh", Actors.Mesh.MeshTableYaml.Render(mesh));
        return text.ToString();
    }

    private static void AppendSection(StringBuilder text, string name, string? body)
    {
        if (body is null)
        {
            text.Append(name).Append(": ").Append(name == "statuses" ? "{}" : "[]").Append('\n');
            return;
        }
        text.Append(name).Append(":\n");
        foreach (var line in body.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n'))
        {
            text.Append(line.Length == 0 ? "" : "  ").Append(line).Append('\n');
        }
    }
}
