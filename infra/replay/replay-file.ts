import { resolve } from 'node:path';
import { datapointsFromEmf } from './emf-datapoints.ts';
import { replayAlarms, type StateChange } from './evaluate.ts';
import { synthesizedAlarms } from './synth-alarms.ts';
import { alarmsOfTemplate } from './template-alarms.ts';
import { renderTimeline } from './timeline.ts';

export interface ReplayInput {
  /** EMF lines (other lines are skipped). */
  emf: string;
  /** A synthesized template, or a config file to synthesize one from. */
  template?: object;
  configFile?: string;
  /** Minutes evaluated past the last datapoint. */
  tailMinutes?: number;
}

/** Replays the alarms over the lines: the state changes and their timeline as text. */
export function replayFile(input: ReplayInput): { changes: StateChange[]; text: string } {
  const alarms = input.template ? alarmsOfTemplate(input.template as Parameters<typeof alarmsOfTemplate>[0]) : synthesizedAlarms(resolve(input.configFile ?? 'understudy.config.yaml'));
  const points = datapointsFromEmf(input.emf);
  if (points.length === 0) return { changes: [], text: 'no EMF datapoints in the input' };
  const from = Math.floor(points[0]!.timestamp / 60_000) * 60_000;
  const until = Math.floor(points[points.length - 1]!.timestamp / 60_000) * 60_000 + 60_000 * (1 + (input.tailMinutes ?? 0));
  const changes = replayAlarms(alarms, points, { from, until });
  const header = `${alarms.length} alarms replayed over ${points.length} datapoints, ${new Date(from).toISOString()} to ${new Date(until).toISOString()}`;
  return { changes, text: `${header}\n${renderTimeline(changes, from)}` };
}
