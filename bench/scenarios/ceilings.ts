/**
 * The machine's own ceilings, measured in the same run as the scenarios that are
 * compared with them: a bare Node receiver, and Express answering a JSON POST.
 */
import { runLoad } from '../load';
import { startCeilingServer } from '../processes';

export interface Ceilings {
  bare_receiver_rps: number;
  express_noop_rps: number;
  express_noop_p99_ms: number;
  load_tool: string;
}

export const BODY = JSON.stringify({ seconds: 3600, url: 'http://127.0.0.1:9/hooks' });

export async function measureCeilings(quick: boolean): Promise<Ceilings> {
  const durationS = quick ? 2 : 8;
  const bare = await startCeilingServer('bare');
  const bareLoad = await runLoad({ url: `${bare.url}/hooks/x`, body: '{"id":"x"}', connections: 64, durationS });
  await bare.stop();
  const noop = await startCeilingServer('express');
  const noopLoad = await runLoad({ url: `${noop.url}/timers`, body: BODY, connections: 64, durationS });
  await noop.stop();
  return {
    bare_receiver_rps: bareLoad.requests_per_second,
    express_noop_rps: noopLoad.requests_per_second,
    express_noop_p99_ms: noopLoad.latency_ms.p99,
    load_tool: bareLoad.tool,
  };
}
