/** The Prometheus scrape jobs of MSK open monitoring, built from a bootstrap broker string. */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { brokerHosts, KAFKA_PORTS, mskScrapeConfigs } from "./kafka";

const BROKERS =
  "b-2.msk.abc.kafka.eu-west-1.amazonaws.com:9098,b-1.msk.abc.kafka.eu-west-1.amazonaws.com:9098";
const HOSTS = [
  "b-1.msk.abc.kafka.eu-west-1.amazonaws.com",
  "b-2.msk.abc.kafka.eu-west-1.amazonaws.com",
];

describe("MSK open monitoring scrape jobs", () => {
  it("parses bootstrap broker strings into unique sorted hosts", () => {
    assert.deepEqual(brokerHosts(BROKERS), HOSTS);
    assert.deepEqual(brokerHosts(" a:9098 , a:9096,b:9098,"), ["a", "b"]);
  });

  it("scrapes each broker on the exporter ports the security group opens, labelled by host", () => {
    const jobs = mskScrapeConfigs(HOSTS);
    assert.deepEqual(
      jobs.map((j) => [j.job_name, j.static_configs]),
      [
        ["msk-jmx-exporter", [{ targets: HOSTS.map((h) => `${h}:${KAFKA_PORTS.jmxExporter}`) }]],
        ["msk-node-exporter", [{ targets: HOSTS.map((h) => `${h}:${KAFKA_PORTS.nodeExporter}`) }]],
      ],
    );
    // The relabelling keeps the host and drops the port.
    const [relabel] = jobs[0].relabel_configs as Array<{ regex: string }>;
    const match = new RegExp(`^(?:${relabel.regex})$`).exec(`${HOSTS[0]}:11001`);
    assert.equal(match?.[1], HOSTS[0]);
  });
});
