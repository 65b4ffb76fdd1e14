import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CHARTS, type ChartKey } from "../../components/lib/charts";
import { REVIEWED_AT, reviewed } from "./chartReviews";

describe("chart reviews (tools/checks/chartReviews.ts)", () => {
  it("has read every pinned chart's templates at the pinned version", () => {
    const stale = (Object.keys(CHARTS) as ChartKey[]).flatMap((key) => {
      const read: string | undefined = (REVIEWED_AT as Partial<Record<ChartKey, string>>)[key];
      return read === CHARTS[key].version
        ? []
        : [
            `${key}: pinned at ${CHARTS[key].version} but its templates were read at ${read ?? "no version"}; read them at ${CHARTS[key].version}, update the rows of tools/checks/chartPodSecurity.ts and tools/checks/chartMonitorTargets.ts, then REVIEWED_AT`,
          ];
    });
    assert.deepEqual(stale, []);
  });

  it("gives a row the chart's name and the reviewed version", () => {
    assert.deepEqual(reviewed("certManager"), {
      chart: CHARTS.certManager.name,
      version: REVIEWED_AT.certManager,
    });
  });
});
