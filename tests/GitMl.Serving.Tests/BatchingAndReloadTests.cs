using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace GitMl.Serving.Tests;

public class BatchingAndReloadTests
{
    [Fact]
    public async Task DynamicBatching_ConcurrentRequests_GiveResultsIdenticalToUnbatched()
    {
        // Given the same model served with batching (waiting up to 5 ms for company) and without
        using var repo = ServingRepo.WithTwoVersions();
        var (batched, batchedHttp) = await repo.ServeAsync("linear#prod", new ServingOptions { MaxBatchSize = 16, MaxBatchDelayMicroseconds = 5000, BatchWorkers = 1 });
        await using var _ = batched;
        var (plain, plainHttp) = await repo.ServeAsync("linear#prod", new ServingOptions { MaxBatchSize = 1 });
        await using var __ = plain;
        var random = new Random(7);
        var requests = Enumerable.Range(0, 64).Select(i => Enumerable.Range(0, 1 + (i % 3)).Select(_ => new[] { random.NextSingle() * 10 - 5, random.NextSingle(), random.NextSingle() * 100 }).ToArray()).ToList();

        // When all are sent at once to both
        var batchedResults = await Task.WhenAll(requests.Select((rows, i) => Oip.PostAsync(batchedHttp, "/v2/models/linear/infer", Oip.LinearRequest(rows, id: "r" + i))));
        var plainResults = await Task.WhenAll(requests.Select(rows => Oip.PostAsync(plainHttp, "/v2/models/linear/infer", Oip.LinearRequest(rows))));

        // Then every answer is bit-identical, belongs to its own request, and some runs really were batched
        for (var i = 0; i < requests.Count; i++)
        {
            Assert.Equal(200, batchedResults[i].Status);
            Assert.Equal("r" + i, batchedResults[i].Body.GetProperty("id").GetString());
            var y = batchedResults[i].Body.GetProperty("outputs")[0];
            Assert.Equal(requests[i].Length, y.GetProperty("shape")[0].GetInt32());
            Assert.Equal(Oip.Floats(plainResults[i].Body.GetProperty("outputs")[0]), Oip.Floats(y));
        }

        var metrics = await batchedHttp.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        var runs = long.Parse(Regex.Match(metrics, @"gitml_inference_batch_size_count\{model=""linear""\} (\d+)").Groups[1].Value);
        var rows = requests.Sum(r => r.Length);
        Assert.True(runs < requests.Count, $"expected fewer runs than requests, got {runs} runs for {requests.Count} requests");
        Assert.Contains($"gitml_inference_batch_size_sum{{model=\"linear\"}} {rows}", metrics);
    }

    [Fact]
    public async Task Reload_OnDemandUnderSteadyLoad_SwitchesWithZeroFailedRequests()
    {
        // Given prod on v1 served, and clients sending requests in a loop
        using var repo = ServingRepo.WithTwoVersions();
        var (server, http) = await repo.ServeAsync("linear#prod", new ServingOptions { MaxBatchSize = 8 });
        await using var _ = server;
        var rows = new[] { new[] { 1f, 1f, 1f } };
        var v1 = Oip.Expected(rows, ServingRepo.W1, ServingRepo.B1);
        var v2 = Oip.Expected(rows, ServingRepo.W2, ServingRepo.B2);
        var failures = new ConcurrentBag<string>();
        var versionsSeen = new ConcurrentDictionary<string, int>();
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var (status, body) = await Oip.PostAsync(http, "/v2/models/linear/infer", Oip.LinearRequest(rows));
                if (status != 200)
                {
                    failures.Add($"{status}: {body}");
                    continue;
                }

                var version = body.GetProperty("model_version").GetString()!;
                var y = Oip.Floats(body.GetProperty("outputs")[0]);
                if (!(version == "v1.0.0" ? v1 : v2).SequenceEqual(y))
                {
                    failures.Add($"{version} answered {string.Join(",", y)}");
                }

                versionsSeen.AddOrUpdate(version, 1, (_, n) => n + 1);
            }
        })).ToList();
        await WaitUntil(() => versionsSeen.GetValueOrDefault("v1.0.0") >= 20);

        // When prod moves to v2 and the load endpoint is called
        repo.Assign("v2.0.0", "prod");
        var (loadStatus, load) = await Oip.PostAsync(http, "/v2/repository/models/linear/load", "{}");
        var afterSwitch = versionsSeen.GetValueOrDefault("v2.0.0");
        await WaitUntil(() => versionsSeen.GetValueOrDefault("v2.0.0") >= afterSwitch + 20);
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        // Then the switch happened, both versions answered, and not one request failed or got mixed results
        Assert.Equal(200, loadStatus);
        Assert.True(load.GetProperty("changed").GetBoolean());
        Assert.Equal("v2.0.0", load.GetProperty("version").GetString());
        Assert.Empty(failures);
        Assert.True(versionsSeen.GetValueOrDefault("v1.0.0") > 0);
        Assert.True(versionsSeen["v2.0.0"] > afterSwitch);
        Assert.Equal("v2.0.0", (await Oip.GetAsync(http, "/v2/models/linear")).Body.GetProperty("versions")[0].GetString());
        Assert.Contains("gitml_model_reloads_total{model=\"linear\",outcome=\"success\"} 1", await http.GetStringAsync("/metrics", TestContext.Current.CancellationToken));

        // And a second load with nothing new changes nothing
        Assert.False((await Oip.PostAsync(http, "/v2/repository/models/linear/load", "{}")).Body.GetProperty("changed").GetBoolean());
    }

    [Fact]
    public async Task Watch_StageMoves_ServerFollowsItWithoutFailedRequests()
    {
        // Given prod on v1 served with --watch polling every 100 ms
        using var repo = ServingRepo.WithTwoVersions();
        var (server, http) = await repo.ServeAsync("linear#prod", new ServingOptions { Watch = true, WatchInterval = TimeSpan.FromMilliseconds(100) });
        await using var _ = server;
        var failures = 0;
        using var stop = new CancellationTokenSource();
        var client = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if ((await Oip.PostAsync(http, "/v2/models/linear/infer", Oip.LinearRequest([[1, 2, 3]]))).Status != 200)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }, TestContext.Current.CancellationToken);

        // When prod is reassigned to v2 in the repository
        repo.Assign("v2.0.0", "prod");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (server.Current?.Version != "v2.0.0" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        await stop.CancelAsync();
        await client;

        // Then the server switched on its own and no request failed
        Assert.Equal("v2.0.0", server.Current?.Version);
        Assert.Equal(0, failures);
        Assert.Contains("version=\"v2.0.0\"", await http.GetStringAsync("/metrics", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Load_WhenStageWasUnassigned_FailsAndKeepsServingTheCurrentVersion()
    {
        // Given prod on v1 served
        using var repo = ServingRepo.WithTwoVersions();
        var (server, http) = await repo.ServeAsync("linear#prod");
        await using var _ = server;

        // When prod is emptied and a reload is asked for
        using (var r = GitMl.Core.GitMlRepository.Open(repo.Root))
        {
            new GitMl.Core.Registry.ModelRegistry(r).Unassign("linear", "prod", null, null, force: false, push: false);
        }

        var (status, body) = await Oip.PostAsync(http, "/v2/repository/models/linear/load", "{}");

        // Then the load fails with the reason, and v1 still answers
        Assert.Equal(404, status);
        Assert.Contains("still serving v1.0.0", body.GetProperty("error").GetString());
        Assert.Equal(200, (await Oip.PostAsync(http, "/v2/models/linear/infer", Oip.LinearRequest([[1, 2, 3]]))).Status);
        Assert.Contains("gitml_model_reloads_total{model=\"linear\",outcome=\"failure\"} 1", await http.GetStringAsync("/metrics", TestContext.Current.CancellationToken));
    }

    // Load on this shared machine varies a lot: wait for progress rather than a fixed time (bounded).
    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
