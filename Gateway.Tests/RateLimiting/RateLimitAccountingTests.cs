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
    public async Task ClusterLimiter_LeaseAnsweredAfterItsRequestWasRefused_KeepsTheTokenForTheNextRequest_SoTheKeyGetsItsWholeLimit()
    {
        // One ClientIP key, limit 5, ten requests round robin over three replicas; replica r0's first lease answer
        // comes only after its request stopped waiting (wait bound zero: deterministic, no clock). The owner counted
        // that token as leased: if r0 dropped the late answer, the key would get 4 admissions instead of 5.
        var owner = new LocalLeaseSource();
        var rule = new RateLimitRule("ns/p", 0, 5, TimeSpan.FromMinutes(1), RateLimitKeyType.ClientIP, null, RateLimitScope.Cluster);
        var late = new LateFirstAnswerSource(owner);
        var replicas = new[]
        {
            new ClusterLimiter(rule, late, "r0", waitBound: TimeSpan.Zero),
            new ClusterLimiter(rule, owner, "r1"),
            new ClusterLimiter(rule, owner, "r2"),
        };
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var first = await replicas[0].AcquireAsync("10.0.0.1", now);
        Assert.False(first.Admitted);
        // The answer arrives now. Released on a pool thread (no synchronization context), the limiter's continuation
        // runs inline, so the lease is applied when Task.Run completes.
        await Task.Run(late.Release);
        var admitted = 0;
        for (var i = 1; i < 10; i++)
        {
            if ((await replicas[i % 3].AcquireAsync("10.0.0.1", now)).Admitted) admitted++;
        }

        Assert.Equal(5, admitted);
    }

    [Fact]
    public async Task ClusterLimiter_AnswerForAnOlderWindow_IsDropped_AndNeverAddsTokensToTheNewWindow()
    {
        var rule = new RateLimitRule("ns/p", 0, 5, TimeSpan.FromMinutes(1), RateLimitKeyType.Global, null, RateLimitScope.Cluster);
        var source = new ScriptedLeaseSource();
        var limiter = new ClusterLimiter(rule, source, "r0", waitBound: TimeSpan.Zero);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        // Request 1's fetch is held; request 2 finds it older than the (zero) wait bound and starts a second fetch.
        Assert.False((await limiter.AcquireAsync("", now)).Admitted);
        Assert.False((await limiter.AcquireAsync("", now)).Admitted);
        // The second answer (a new window, 1 token) comes first, then the first (an older window, 3 tokens): stale.
        // Answered on a pool thread, as in the test above: the limiter's continuation runs inline there.
        await Task.Run(() => source.Answer(1, new LeaseGranted(1, now + 120_000, 0)));
        await Task.Run(() => source.Answer(0, new LeaseGranted(3, now + 60_000, 2)));

        Assert.True((await limiter.AcquireAsync("", now)).Admitted);
        var after = await limiter.AcquireAsync("", now);
        Assert.False(after.Admitted);
        Assert.Equal(now + 120_000, after.WindowEndMs);
    }

    [Fact]
    public void ForwardedClient_TakesTheEntryTheOutermostTrustedHopAdded()
    {
        Assert.Equal("10.0.0.3", RateLimitPlan.ForwardedClient("1.1.1.1, 10.0.0.3", 1));
        Assert.Equal("1.1.1.1", RateLimitPlan.ForwardedClient("1.1.1.1, 10.0.0.3", 2));
        Assert.Equal("1.1.1.1", RateLimitPlan.ForwardedClient("1.1.1.1", 5));
        Assert.Null(RateLimitPlan.ForwardedClient("", 1));
    }

    /// <summary>The owner's ledger grants at once, but the first answer is handed over only on <see cref="Release"/>.</summary>
    private sealed class LateFirstAnswerSource(ILeaseSource owner) : ILeaseSource
    {
        // Without RunContinuationsAsynchronously: Release runs the limiter's continuation inline, before it returns
        // (when called without a synchronization context: xunit's would make the continuation be posted instead).
        // The awaits here leave the caller's context too: the limiter calls this from the test's thread, where xunit's
        // context is current, and an await that kept it would post the late answer to that context, to be applied on one
        // of its threads while the test goes on with its requests on another.
        private readonly TaskCompletionSource<LeaseGranted> _late = new();
        private LeaseGranted? _first;
        private int _calls;

        public async Task<LeaseGranted> AcquireAsync(string id, string replica, int requests, long intervalMs, CancellationToken ct)
        {
            var grant = await owner.AcquireAsync(id, replica, requests, intervalMs, ct).ConfigureAwait(false);
            if (Interlocked.Increment(ref _calls) > 1) return grant;
            _first = grant;
            return await _late.Task.ConfigureAwait(false);
        }

        public void Release() => _late.SetResult(_first!);
    }

    /// <summary>Each call waits for the answer the test gives it by call number.</summary>
    private sealed class ScriptedLeaseSource : ILeaseSource
    {
        private readonly List<TaskCompletionSource<LeaseGranted>> _calls = [];

        public Task<LeaseGranted> AcquireAsync(string id, string replica, int requests, long intervalMs, CancellationToken ct)
        {
            var call = new TaskCompletionSource<LeaseGranted>();
            lock (_calls) _calls.Add(call);
            return call.Task;
        }

        public void Answer(int call, LeaseGranted grant)
        {
            lock (_calls) _calls[call].SetResult(grant);
        }
    }

    private sealed class FailingLeaseSource : ILeaseSource
    {
        public Task<LeaseGranted> AcquireAsync(string id, string replica, int requests, long intervalMs, CancellationToken ct) =>
            Task.FromException<LeaseGranted>(new TimeoutException("owner unreachable"));
    }
}
