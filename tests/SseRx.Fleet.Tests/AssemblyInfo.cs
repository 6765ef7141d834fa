// One fleet (dynalite, four host processes, nginx) serves every test, one test at a time: the tests restart and kill
// its instances, and their figures mean something only when the fleet is not shared with another test's load.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
