import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDemo } from '../../examples/start';
const database = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'demo-')), 'patron.db');
const demo = await startDemo({ collectorPort: 0, storePort: 0, host: '127.0.0.1', database, log: (m) => console.log(m) });
const res = await fetch(`${demo.collector.url}/v1/experiments/home-for-you-test/results`, { headers: { authorization: `Bearer ${demo.config.keys.analyst[0]}` } });
const r = (await res.json()) as any;
console.log(
  JSON.stringify(
    {
      exposures: r.exposures,
      srm: r.sampleRatio,
      variants: r.variants.map((v: any) => [v.id, v.visitors, v.converters, v.orders, v.revenue.toFixed(0), v.clvPerVisitor.estimate.toFixed(1)]),
      decision: r.decision,
      size: r.sampleSize,
      effects: r.effects.map((e: any) => [
        e.metric,
        e.relative?.estimate?.toFixed(3),
        e.sequential.relative?.lower?.toFixed(3),
        e.sequential.relative?.upper?.toFixed(3),
        e.cuped?.varianceReduction?.toFixed(3),
        e.verdict,
      ]),
      days: r.overTime.length,
    },
    null,
    1,
  ),
);
await demo.stop();
