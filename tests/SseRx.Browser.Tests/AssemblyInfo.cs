// One chromium and real Kestrel hosts on fixed loopback ports: running test classes in parallel would only
// make them compete for two CPU cores and turn timing expectations flaky.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
