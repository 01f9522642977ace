using Gateway.Actors.RateLimiting;
using Gateway.Actors.RouteTable;
using Gateway.Host.DataPlane.RateLimiting;
using Xunit;

namespace Gateway.Tests.RateLimiting;

/// <summary>The owner's lease accounting, the Replica-scope window and the per-key table, without actors or sockets.</summary>
public class RateLimitAccountingTests
{
    private const long Minute = 60_000;

    [Fact]
    public void LeaseLedger_ThreeReplicasAskingUntilRefused_GrantExactlyTheLimitInOneWindow()
    {
        var ledger = new LeaseLedger();
        var granted = 0;
        var zeroes = 0;
        for (var i = 0; i < 1_000 && zeroes < 3; i++)
        {
            var g = ledger.Grant($"r{i % 3}", 300, Minute, 1_000 + i);
            granted += g.Tokens;
            if (g.Tokens == 0) zeroes++;
        }
        Assert.Equal(300, granted);
        Assert.Equal(300, ledger.Granted);
    }

    [Fact]
    public void LeaseLedger_AfterTheWindowEnds_ANewWindowStartsAtTheNextRequest()
    {
        var ledger = new LeaseLedger();
        while (ledger.Grant("a", 10, Minute, 0).Tokens > 0) { }
        Assert.Equal(0, ledger.Grant("a", 10, Minute, Minute - 1).Tokens);

        var next = ledger.Grant("a", 10, Minute, Minute + 5);

        Assert.True(next.Tokens > 0);
        Assert.Equal(2 * Minute + 5, next.WindowEndMs);
    }

    [Fact]
    public void LeaseLedger_LeaseSize_IsAtMostATenthOfTheLimit_AndShrinksAsTokensRunOut()
    {
        Assert.Equal(30, LeaseLedger.LeaseSize(300, 300, 1));
        Assert.Equal(30, LeaseLedger.LeaseSize(300, 300, 3));
        Assert.Equal(2, LeaseLedger.LeaseSize(300, 12, 3));
        Assert.Equal(1, LeaseLedger.LeaseSize(300, 1, 3));
        Assert.Equal(0, LeaseLedger.LeaseSize(300, 0, 3));
        Assert.Equal(1, LeaseLedger.LeaseSize(1, 1, 1));
    }

    [Fact]
    public void LeaseLedger_LimitLoweredMidWindow_GrantsOnlyWhatTheNewLimitLeaves()
    {
        var ledger = new LeaseLedger();
        var first = ledger.Grant("a", 100, Minute, 0);
        Assert.Equal(10, first.Tokens);

        Assert.Equal(0, ledger.Grant("a", 10, Minute, 1).Tokens);
        Assert.Equal(1, ledger.Grant("a", 11, Minute, 2).Tokens);
    }

    [Fact]
    public void LeaseLedger_NonPositiveLimit_IsRefusedWithAClearError()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new LeaseLedger().Grant("a", 0, Minute, 0));
        Assert.Contains("at least 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FixedWindow_AdmitsTheLimit_RefusesTheRestWithoutCounting_ThenStartsAgain()
    {
        var w = new FixedWindow();
        var decisions = Enumerable.Range(0, 5).Select(i => w.TryTake(3, 1_000, 100 + i)).ToList();

        Assert.Equal([true, true, true, false, false], decisions.Select(d => d.Admitted));
        Assert.Equal([2, 1, 0, 0, 0], decisions.Select(d => d.Remaining));
        Assert.All(decisions, d => Assert.Equal(1_100, d.WindowEndMs));
        var again = w.TryTake(3, 1_000, 1_100);
        Assert.True(again.Admitted);
        Assert.Equal(2_100, again.WindowEndMs);
    }

    [Fact]
    public void KeyTable_AboveTheCap_NewKeysShareTheOverflowEntry_UntilIdleKeysAreSwept()
    {
        var table = new KeyTable<FixedWindow>(() => new FixedWindow(), w => w.WindowEndMs, maxKeys: 2);
        var a = table.Get("a", 0);
        a.TryTake(1, 1_000, 0);
        table.Get("b", 0).TryTake(1, 1_000, 0);

        var c = table.Get("c", 10);
        var d = table.Get("d", 10);

        Assert.Same(c, d);
        Assert.Same(a, table.Get("a", 10));
        // Both windows ended at 1000: the sweep (at most once a second) makes room for a key of its own.
        var e = table.Get("e", 5_000);
        Assert.NotSame(c, e);
        Assert.True(table.Count <= 3);
    }

    [Fact]
    public async Task ClusterLimiter_ThreeReplicasSharingOneOwner_Admit300Of1000()
    {
        var owner = new LocalLeaseSource();
        var rule = new RateLimitRule("ns/p", 0, 300, TimeSpan.FromMinutes(1), RateLimitKeyType.Global, null, RateLimitScope.Cluster);
        var replicas = Enumerable.Range(0, 3).Select(i => new ClusterLimiter(rule, owner, $"r{i}")).ToList();
        var admitted = 0;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < 1_000; i++)
        {
            if ((await replicas[i % 3].AcquireAsync("", now)).Admitted) admitted++;
        }
        Assert.Equal(300, admitted);
    }

    [Fact]
    public async Task ClusterLimiter_OwnerUnreachable_RefusesWithRetryAfterAboutOneSecond()
    {
        var rule = new RateLimitRule("ns/p", 0, 300, TimeSpan.FromMinutes(1), RateLimitKeyType.Global, null, RateLimitScope.Cluster);
        var limiter = new ClusterLimiter(rule, new FailingLeaseSource(), "r0");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var decision = await limiter.AcquireAsync("", now);

        Assert.False(decision.Admitted);
        Assert.InRange(decision.WindowEndMs - now, 500, 5_000);
    }

    [Fact]
    public void ForwardedClient_TakesTheEntryTheOutermostTrustedHopAdded()
    {
        Assert.Equal("10.0.0.3", RateLimitPlan.ForwardedClient("1.1.1.1, 10.0.0.3", 1));
        Assert.Equal("1.1.1.1", RateLimitPlan.ForwardedClient("1.1.1.1, 10.0.0.3", 2));
        Assert.Equal("1.1.1.1", RateLimitPlan.ForwardedClient("1.1.1.1", 5));
        Assert.Null(RateLimitPlan.ForwardedClient("", 1));
    }

    private sealed class FailingLeaseSource : ILeaseSource
    {
        public Task<LeaseGranted> AcquireAsync(string id, string replica, int requests, long intervalMs, CancellationToken ct) =>
            Task.FromException<LeaseGranted>(new TimeoutException("owner unreachable"));
    }
}
