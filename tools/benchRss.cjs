/* global process */
// Preloaded into each process the benchmark times: prints its peak resident set size on exit.
process.on("exit", () => {
  process.stderr.write(`\nACME_BENCH_MAX_RSS_KB=${process.resourceUsage().maxRSS}\n`);
});
