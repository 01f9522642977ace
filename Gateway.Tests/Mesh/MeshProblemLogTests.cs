using Gateway.Actors.Mesh;
using Gateway.Host.Mesh;
using Xunit;

namespace Gateway.Tests.Mesh;

/// <summary><see cref="MeshProblemLog"/>: the pipeline logs each <see cref="MeshTable.Problems"/> entry once, when it appears.</summary>
public class MeshProblemLogTests
{
    private static MeshTable With(params string[] problems) => new([]) { Problems = [.. problems] };

    [Fact]
    public void Appeared_ProblemIsReportedOnceWhileItLasts_AndAgainWhenItComesBack()
    {
        var log = new MeshProblemLog();

        Assert.Equal(["a outside range"], log.Appeared(With("a outside range")));
        Assert.Empty(log.Appeared(With("a outside range")));
        Assert.Equal(["b taken"], log.Appeared(With("a outside range", "b taken")));
        Assert.Empty(log.Appeared(With("b taken")));
        Assert.Equal(["a outside range"], log.Appeared(With("a outside range", "b taken")));
    }

    [Fact]
    public void Appeared_SameTableInstanceAgain_ReportsNothing()
    {
        var log = new MeshProblemLog();
        var table = With("a outside range");

        Assert.Single(log.Appeared(table));
        Assert.Empty(log.Appeared(table));
        Assert.Empty(log.Appeared(MeshTable.Empty));
    }
}
