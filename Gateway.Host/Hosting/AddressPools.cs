using System.Net;
using System.Net.Sockets;

namespace Gateway.Host.Hosting;

/// <summary>Validation of the --address-pool value.</summary>
public static class AddressPools
{
    /// <summary>Parses an IPv4 CIDR; how addresses are picked from it is the translator's business.</summary>
    public static bool TryParse(string? text, out IPNetwork network, out string error)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text) || !IPNetwork.TryParse(text, out network))
        {
            error = $"\"{text}\" is not a CIDR (example: {Actors.Translation.TranslatorOptions.DefaultAddressPool})";
            return false;
        }
        if (network.BaseAddress.AddressFamily != AddressFamily.InterNetwork)
        {
            error = $"\"{text}\" is not IPv4; each Gateway gets an IPv4 address from the pool";
            return false;
        }
        error = "";
        return true;
    }
}
