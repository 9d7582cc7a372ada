import { LogChunk } from '../protocol/sse';
import { GetRunLogsInput, GetRunStreamInput } from '../protocol/tools';
import { LOG_STREAM_KEY } from '../shared/streams';
import { isTerminal } from '../shared/status';
import { readStream, type ReadStreamEnd } from './read-stream';
import { StreamText } from './stream-text';
import { runLine } from './summary';
import { clipStart, count } from './text';
import { defineTool, ToolError } from './tool';

const LEVELS = ['debug', 'log', 'info', 'warn', 'error'] as const;

export const getRunLogs = defineTool({
  name: 'get_run_logs',
  title: 'Get run logs',
  description: 'The log lines of a run (logger.* and console.* in its task), oldest first; the newest lines are kept when there are more than maxChars.',
  input: GetRunLogsInput,
  writes: false,
  async run(input, ctx) {
    const client = await ctx.engine();
    const run = await client.retrieveRun(input.runId);
    const min = input.level ? LEVELS.indexOf(input.level) : 0;
    const lines: string[] = [];
    let total = 0;
    const end = await readStream(
      client,
      run.id,
      LOG_STREAM_KEY,
      (value) => {
        total++;
        const entry = LogChunk.safeParse(value);
        if (!entry.success) lines.push(typeof value === 'string' ? value : JSON.stringify(value));
        else if (LEVELS.indexOf(entry.data.level) >= min) lines.push(`${entry.data.time} ${entry.data.level.toUpperCase()} ${entry.data.message}`);
        // keep memory bounded: drop the oldest lines far beyond what can be returned
        if (lines.length > 4 * input.maxChars) lines.splice(0, lines.length - 2 * input.maxChars);
        return true;
      },
      { finished: isTerminal(run.status) },
    );
    const head = `${runLine(run)}\n${count(total)} log line(s)${input.level ? `, ${lines.length} at ${input.level} or above` : ''}${liveNote(end)}`;
    if (lines.length === 0) return `${head}\n(no log lines)`;
    return `${head}\n${clipStart(lines.join('\n'), input.maxChars, 'raise maxChars or filter by level')}`;
  },
});

export const getRunStream = defineTool({
  name: 'get_run_stream',
  title: 'Get run stream',
  description:
    'The text a run streamed (streams.pipe / streams.append): the text that LLM chunks carry (OpenAI chat completions, ' +
    'AI SDK text-delta parts, Anthropic content_block_delta), strings as they are, other chunks as JSON lines; raw: true ' +
    'gives every chunk as a JSON line. Reads what is there so far when the run is still going.',
  input: GetRunStreamInput,
  writes: false,
  async run(input, ctx) {
    const client = await ctx.engine();
    const run = await client.retrieveRun(input.runId);
    const keys = run.realtimeStreams.filter((k) => k !== LOG_STREAM_KEY);
    const key = input.key ?? (keys.length === 1 ? keys[0]! : 'default');
    if (!run.realtimeStreams.includes(key)) {
      const have = keys.length ? `its streams are: ${keys.join(', ')}` : 'it has no streams yet';
      throw new ToolError(`key: run ${run.id} has no stream "${key}"; ${have}${isTerminal(run.status) ? '' : ' (it is still going)'}.`);
    }
    const text = new StreamText(input.raw);
    let lastIdx = -1;
    const end = await readStream(
      client,
      run.id,
      key,
      (value, idx) => {
        text.add(value);
        lastIdx = idx;
        return text.text.length <= input.maxChars;
      },
      { finished: isTerminal(run.status) },
    );
    const kind = input.raw ? 'raw chunks' : text.llmChunks ? `text of ${count(text.llmChunks)} LLM chunk(s)` : 'text';
    const lines = [runLine(run), `stream "${key}": ${count(text.chunks)} chunk(s) read, ${kind}${liveNote(end)}`];
    if (end === 'stopped') {
      lines.push(
        `${text.text.slice(0, input.maxChars)}\n… [cut at ${count(input.maxChars)} characters, after chunk ${lastIdx}; the stream has more: raise maxChars (up to 100,000)]`,
      );
    } else lines.push(text.text === '' ? '(empty)' : text.text);
    return lines.join('\n');
  },
});

function liveNote(end: ReadStreamEnd): string {
  if (end === 'settled') return ' (the run is still going: more may come)';
  if (end === 'timeout') return ' (stopped reading after 10 s: more may come)';
  return '';
}
