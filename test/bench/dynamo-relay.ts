import { startDynalite } from '../support/dynalite.ts';
import { startDelayRelay } from '../support/delay-relay.ts';
import { answerProbes } from './child-probe.ts';

/**
 * A DynamoDB-protocol store for the bench, in its own process: dynalite, and in front of it a
 * relay per requested delay that holds every answer back by that many milliseconds (a slower
 * DynamoDB, as seen from the proxy). Reports `{ endpoints: { [delayMs]: url } }`.
 */
const delays = (process.env.BENCH_STORE_DELAYS ?? '0,20').split(',').map(Number);
const dynalite = await startDynalite();
const endpoints: Record<number, string> = {};
for (const delay of delays) endpoints[delay] = (await startDelayRelay(dynalite.endpoint, delay)).endpoint;
process.send?.({ endpoints });
answerProbes();
